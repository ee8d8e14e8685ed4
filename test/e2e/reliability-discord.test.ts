// Reliability suite, Discord faults: gateway drops and REST 5xx/429 storms under load, and SIGKILL then restart — each acknowledged message answered once.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startGateway, tempDir, type RunningGateway } from '../helpers/cli.js';
import { httpBytes, rawHttp, WsProbe } from '../helpers/probe.js';
import { startFakeDiscord, type FakeDiscord } from '../fakes/discord.js';
import { startFakeOpenAI, type FakeModelServer } from '../fakes/openai.js';

const alice = { id: '1300000000000000001', username: 'alice' };
const KEY = 'sk-openai-reliability-discord';
const ANSWER_MS = 60_000;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `ok` (bounded) until it holds. */
async function until(what: string, ok: () => boolean | Promise<boolean>, ms = ANSWER_MS): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(25);
  }
}

function configToml(discord: FakeDiscord, model: FakeModelServer): string {
  return ['[server]', 'rate_limit_per_minute = 0',
    '[agent]', 'provider = "openai"', `api_key = "${KEY}"`, `base_url = "${model.url}"`, 'max_retries = 0',
    '[channels.discord]', `bot_token = "${discord.token}"`, `api_base = "${discord.api}"`, `guild_id = "${discord.guildId}"`,
    `allowed_users = ["${alice.id}"]`, 'dm_policy = "allowlist"', ''].join('\n');
}

/**
 * The model answers `re: <the newest user message>`: every message in the channel's one session gets its own
 * recognisable answer. Counts the bot messages that carry it whole, and the frozen partial previews of it.
 */
function answersTo(discord: FakeDiscord, text: string): { full: number; partial: number } {
  const answer = `re: ${text}`;
  const mine = discord.messages.filter((m) => answer.startsWith(m.content.replace(/…$/, '')) && m.content.length > 0);
  return { full: mine.filter((m) => m.content === answer).length, partial: mine.filter((m) => m.content !== answer).length };
}

async function ready(gw: RunningGateway): Promise<void> {
  await until('/ready 200 (the Discord channel up)', async () => (await rawHttp(gw.port, httpBytes('GET', '/ready', {})))?.status === 200, 30_000);
}

describe('reliability: Discord faults', () => {
  let discord: FakeDiscord;
  let model: FakeModelServer;
  let data: { path: string; cleanup: () => Promise<void> };
  const gateways: RunningGateway[] = [];
  const start = async (): Promise<RunningGateway> => {
    const gw = await startGateway({ dataDir: join(data.path, 'data'), configToml: configToml(discord, model) });
    gateways.push(gw);
    await ready(gw);
    return gw;
  };

  before(async () => {
    [discord, model, data] = await Promise.all([startFakeDiscord({ heartbeatIntervalMs: 400 }), startFakeOpenAI({ apiKey: KEY }), tempDir('clanker-rel-discord-')]);
    model.setReply((lastUser) => `re: ${lastUser.split('\n\n').pop() ?? ''}`);
  });
  after(async () => {
    for (const gw of gateways) await gw.kill();
    await Promise.all([discord?.close(), model?.close()]);
    await data?.cleanup();
  });

  test('gateway drops and REST 500/429 storms while 30 messages arrive: every one answered exactly once', async (t) => {
    const gw = await start();
    const texts = Array.from({ length: 30 }, (_, i) => `storm message ${i}`);
    let faults = 0;
    for (const [i, text] of texts.entries()) {
      discord.injectMessage({ author: alice, content: text, mentionBot: true });
      if (i % 10 === 3) { discord.dropConnection(); faults++; }
      if (i % 10 === 6) { discord.failNext('POST /channels/:id/messages', 2, { status: 500 }); faults += 2; }
      if (i % 10 === 8) { discord.failNext('POST /channels/:id/messages', 3, { status: 429, retryAfterSec: 0.2 }); faults += 3; }
      await sleep(30);
    }
    await until('every storm message answered', () => texts.every((x) => answersTo(discord, x).full >= 1));
    await sleep(500); // a duplicate would be posted right after the first answer
    const twice = texts.filter((x) => answersTo(discord, x).full > 1);
    assert.deepEqual(twice, [], 'answered more than once');
    assert.equal(gw.proc.exitCode, null);
    t.diagnostic(`discord storm: faults injected ${faults} (${texts.length / 10} gateway drops, REST 500s and 429s); messages sent ${texts.length}, answered exactly once ${texts.filter((x) => answersTo(discord, x).full === 1).length}`);
    await gw.stop('SIGTERM');
  });

  test('SIGKILL while messages stream in, then restart: each acknowledged message is answered exactly once', async (t) => {
    model.setChunkDelayMs(30); // answers stream for a while, so some are in flight at the kill
    const gw = await start();
    const acknowledged = new Set<string>();
    const watcher = await WsProbe.open(gw.url);
    assert.equal((await watcher.request('subscribe', { topics: ['discord'] }))?.ok, true);
    const texts = Array.from({ length: 40 }, (_, i) => `kill test message ${i} with a few more words to stream`);
    for (const [i, text] of texts.entries()) {
      discord.injectMessage({ author: alice, content: text, mentionBot: true });
      await sleep(25);
      if (i === 24) {
        // Acknowledged = persisted: the gateway publishes the `in` event only after the store committed it.
        for (const f of watcher.frames) {
          const d = f.data as { direction?: string; text?: string } | undefined;
          if (f.event === 'message' && d?.direction === 'in' && d.text) acknowledged.add(d.text.replace(/^<@\d+>\s*/, ''));
        }
        gw.proc.kill('SIGKILL');
        await gw.kill();
        watcher.close();
      }
    }
    assert.ok(acknowledged.size > 0, 'something was acknowledged before the kill');
    model.setChunkDelayMs(0);
    const restarted = await start();
    await until('every acknowledged message answered after the restart', () => [...acknowledged].every((x) => answersTo(discord, x).full >= 1));
    discord.injectMessage({ author: alice, content: 'after the restart', mentionBot: true });
    await until('a new message answered', () => answersTo(discord, 'after the restart').full === 1);
    await sleep(500);
    const twice = texts.filter((x) => answersTo(discord, x).full > 1);
    assert.deepEqual(twice, [], 'answered more than once');
    const partials = texts.filter((x) => answersTo(discord, x).partial > 0).length;
    const unacknowledged = texts.filter((x) => !acknowledged.has(x));
    t.diagnostic(`discord SIGKILL: sent ${texts.length}, acknowledged before the kill ${acknowledged.size}, answered exactly once ${[...acknowledged].filter((x) => answersTo(discord, x).full === 1).length}, answered twice ${twice.length}; not acknowledged (sent during/just before the kill, Discord does not replay them to a new session) ${unacknowledged.length}, of which answered ${unacknowledged.filter((x) => answersTo(discord, x).full > 0).length}; frozen partial previews left by the kill ${partials}`);
    await restarted.stop('SIGTERM');
  });
});
