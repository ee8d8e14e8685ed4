// Reliability suite, Telegram faults: 5xx/429 storms on polling and sending under load, and SIGKILL then restart — every message answered exactly once.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { configFor } from './telegram-harness.js';
import { startFakeTelegram, type FakeTelegram, type TelegramUser } from '../fakes/telegram.js';
import { startFakeAnthropic, type FakeModelServer } from '../fakes/anthropic.js';
import { startGateway, tempDir, type RunningGateway } from '../helpers/cli.js';
import { join } from 'node:path';

const USERS: TelegramUser[] = [42, 43, 44, 45, 46].map((id) => ({ id, first_name: `User${id}`, username: `user${id}` }));
const ANSWER_MS = 90_000;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** What each bot message in the fake shows now: `sent` lists every send and edit, the last one per message id wins. */
function shown(tg: FakeTelegram): Array<{ chat_id: number; text: string; parse_mode?: string }> {
  const last = new Map<string, { chat_id: number; text: string; parse_mode?: string }>();
  for (const s of tg.sent) last.set(`${s.chat_id}:${s.message_id}`, s);
  return [...last.values()];
}

/** The model answers `re: <the newest user message>`, so every message has its own recognisable answer: counts them. */
function answersTo(tg: FakeTelegram, chat: number, text: string): { full: number } {
  return { full: shown(tg).filter((s) => s.chat_id === chat && s.parse_mode === 'HTML' && s.text === `re: ${text}`).length };
}

async function until(what: string, ok: () => boolean, ms = ANSWER_MS): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(25);
  }
}

describe('reliability: Telegram faults', () => {
  let tg: FakeTelegram;
  let model: FakeModelServer;
  let data: { path: string; cleanup: () => Promise<void> };
  const gateways: RunningGateway[] = [];
  const start = async (): Promise<RunningGateway> => {
    const telegram = [`allowed_users = [${USERS.map((u) => `"${u.id}"`).join(', ')}]`, 'rate_limit_per_minute = 0'];
    const gw = await startGateway({ dataDir: join(data.path, 'data'), configToml: configFor(tg, model, telegram) + '[server]\nrate_limit_per_minute = 0\n' });
    gateways.push(gw);
    return gw;
  };
  const sent: Array<{ chat: number; text: string }> = [];
  const inject = (i: number, label: string): void => {
    const user = USERS[i % USERS.length] as TelegramUser;
    const text = `${label} ${i} from ${user.id}`;
    tg.injectText(user, text);
    sent.push({ chat: user.id, text });
  };

  before(async () => {
    [tg, model, data] = await Promise.all([startFakeTelegram(), startFakeAnthropic(), tempDir('clanker-rel-tg-')]);
    model.setReply((lastUser) => `re: ${lastUser.split('\n\n').pop() ?? ''}`);
  });
  after(async () => {
    for (const gw of gateways) await gw.kill();
    await Promise.all([tg?.close(), model?.close()]);
    await data?.cleanup();
  });

  test('3 rounds of getUpdates and sendMessage 5xx/429 bursts while 30 messages arrive: each answered exactly once', async (t) => {
    const gw = await start();
    let faults = 0;
    const from = sent.length;
    // Each round's faults hit while its messages arrive; the next round starts once the gateway has recovered,
    // as a real outage burst would (a queue of dozens at once only measures the backoff ceiling).
    for (let round = 0; round < 3; round++) {
      tg.failNext('getUpdates', 1, round % 2 === 0 ? { status: 502 } : { status: 429, retry_after: 1 });
      tg.failNext('sendMessage', 2, { status: 500 });
      tg.failNext('sendMessage', 1, { status: 429, retry_after: 1 });
      faults += 4;
      const roundStart = sent.length;
      for (let i = 0; i < 10; i++) {
        inject(round * 10 + i, 'storm');
        await sleep(20);
      }
      const batch = sent.slice(roundStart);
      await until(`round ${round} answered`, () => batch.every((m) => answersTo(tg, m.chat, m.text).full >= 1));
    }
    const storm = sent.slice(from);
    const polled = tg.getUpdatesCompleted();
    await tg.waitFor(() => tg.getUpdatesCompleted() > polled + 1, 20_000);
    const twice = storm.filter((m) => answersTo(tg, m.chat, m.text).full > 1);
    assert.deepEqual(twice, [], 'answered more than once');
    t.diagnostic(`telegram storm: faults injected ${faults} (getUpdates 502/429, sendMessage 500/429); messages sent ${storm.length}, answered exactly once ${storm.filter((m) => answersTo(tg, m.chat, m.text).full === 1).length}`);
    await gw.stop('SIGTERM');
  });

  test('SIGKILL while 26 messages stream in, then restart: every message (sent before, during or after) answered exactly once', async (t) => {
    model.setChunkDelayMs(30);
    const gw = await start();
    const from = sent.length;
    for (let i = 0; i < 20; i++) {
      inject(i, 'kill test with a few words to stream');
      await sleep(25);
      if (i === 12) gw.proc.kill('SIGKILL');
    }
    await gw.kill();
    for (let i = 20; i < 23; i++) inject(i, 'while down');
    model.setChunkDelayMs(0);
    const restarted = await start();
    for (let i = 23; i < 26; i++) inject(i, 'after the restart');
    const all = sent.slice(from);
    await until('every message answered after the restart', () => all.every((m) => answersTo(tg, m.chat, m.text).full >= 1));
    const polled = tg.getUpdatesCompleted();
    await tg.waitFor(() => tg.getUpdatesCompleted() > polled + 1, 20_000);
    const twice = all.filter((m) => answersTo(tg, m.chat, m.text).full > 1);
    assert.deepEqual(twice, [], 'answered more than once');
    const answers = new Set(sent.map((m) => `re: ${m.text}`));
    const strays = shown(tg).filter((s) => !answers.has(s.text)).length;
    t.diagnostic(`telegram SIGKILL: messages sent ${all.length} (before, during and after the kill), answered exactly once ${all.filter((m) => answersTo(tg, m.chat, m.text).full === 1).length}, twice ${twice.length}; stray bot messages (previews frozen by the kill) ${strays}`);
    await restarted.stop('SIGTERM');
  });
});
