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

/**
 * The model answers `re: <the newest user message>`, so every message has its own recognisable answer. Counts
 * the chat's messages whose last version is that answer in HTML, and those left as a plain-text partial of it
 * (a preview the kill froze); `sent` lists every send and edit, so each message id's last entry is what shows.
 */
function answersTo(tg: FakeTelegram, chat: number, text: string): { full: number; partial: number } {
  const answer = `re: ${text}`;
  const shown = new Map<number, { text: string; parse_mode?: string }>();
  for (const s of tg.sent) if (s.chat_id === chat) shown.set(s.message_id, s);
  const last = [...shown.values()];
  return {
    full: last.filter((s) => s.parse_mode === 'HTML' && s.text === answer).length,
    partial: last.filter((s) => s.parse_mode === undefined && s.text !== answer && s.text.length > 0 && answer.startsWith(s.text.replace(/…$/, ''))).length,
  };
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

  test('5 rounds of getUpdates and sendMessage 5xx/429 bursts while 50 messages arrive: each answered exactly once', async (t) => {
    const gw = await start();
    let faults = 0;
    const from = sent.length;
    // Each round's faults hit while its messages arrive; the next round starts once the gateway has recovered,
    // as a real outage burst would (a queue of dozens at once only measures the backoff ceiling).
    for (let round = 0; round < 5; round++) {
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

  test('SIGKILL while 40 messages stream in, then restart: every message (sent before, during or after) answered exactly once', async (t) => {
    model.setChunkDelayMs(30);
    const gw = await start();
    const from = sent.length;
    for (let i = 0; i < 30; i++) {
      inject(i, 'kill test with a few words to stream');
      await sleep(25);
      if (i === 17) gw.proc.kill('SIGKILL');
    }
    await gw.kill();
    for (let i = 30; i < 35; i++) inject(i, 'while down');
    model.setChunkDelayMs(0);
    const restarted = await start();
    for (let i = 35; i < 40; i++) inject(i, 'after the restart');
    const all = sent.slice(from);
    await until('every message answered after the restart', () => all.every((m) => answersTo(tg, m.chat, m.text).full >= 1));
    const polled = tg.getUpdatesCompleted();
    await tg.waitFor(() => tg.getUpdatesCompleted() > polled + 1, 20_000);
    const twice = all.filter((m) => answersTo(tg, m.chat, m.text).full > 1);
    assert.deepEqual(twice, [], 'answered more than once');
    const partials = all.filter((m) => answersTo(tg, m.chat, m.text).partial > 0).length;
    t.diagnostic(`telegram SIGKILL: messages sent ${all.length} (before, during and after the kill), answered exactly once ${all.filter((m) => answersTo(tg, m.chat, m.text).full === 1).length}, twice ${twice.length}; frozen plain-text previews left by the kill ${partials}`);
    await restarted.stop('SIGTERM');
  });
});
