// Reliability suite, channel input: hostile Telegram updates and Discord messages from the fakes; no actor crash, no stuck queue.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { startGateway, type RunningGateway } from '../helpers/cli.js';
import { checkProperty, hostileJson, hostileKey, hostileString } from '../helpers/hostile-arbs.js';
import { startFakeTelegram, type FakeTelegram } from '../fakes/telegram.js';
import { startFakeDiscord, type FakeDiscord } from '../fakes/discord.js';
import { startFakeOpenAI, type FakeModelServer } from '../fakes/openai.js';

const KEY = 'sk-openai-channel-input';
const ada = { id: 42, first_name: 'Ada', username: 'ada' };
const alice = { id: '1300000000000000001', username: 'alice' };
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 60_000, detail: () => string = () => ''): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}\n${detail()}`);
    await sleep(25);
  }
}

const int = fc.integer({ min: -1e15, max: 1e15 });
const tgUser = fc.oneof(
  fc.constant({ id: 42, is_bot: false, first_name: 'Ada' }),
  fc.record({ id: fc.oneof(int, fc.double(), hostileString), is_bot: fc.oneof(fc.boolean(), hostileJson), first_name: hostileString, username: hostileString }, { requiredKeys: [] }),
  hostileJson,
);
const tgChat = fc.oneof(
  fc.constant({ id: 42, type: 'private' }),
  fc.record({ id: fc.oneof(int, fc.double(), hostileString), type: fc.oneof(fc.constantFrom('private', 'group', 'supergroup', 'channel'), hostileString), title: hostileString }, { requiredKeys: [] }),
  hostileJson,
);
const tgEntity = fc.record({ type: fc.oneof(fc.constantFrom('bot_command', 'mention', 'bold', 'url', 'text_mention'), hostileString), offset: fc.oneof(int, hostileJson), length: fc.oneof(int, hostileJson) }, { requiredKeys: [] });
const tgMessage = fc.record({
  // Numbers that are no integer would become the fake chat's next message id (Telegram's are 32-bit integers).
  message_id: fc.oneof(fc.integer({ min: 1, max: 1e9 }), hostileString, fc.constantFrom(null, true)), date: fc.oneof(fc.integer({ min: 0, max: 2e9 }), hostileJson),
  // No /new: it resets the session, and a canary still waiting in it would rightly go unanswered.
  text: fc.oneof(hostileString, fc.constantFrom('/start', '/status', '/help@other_bot', '/start@clanker_test_bot x'), hostileJson),
  from: tgUser, chat: tgChat, entities: fc.oneof(fc.array(tgEntity, { maxLength: 4 }), hostileJson),
  caption: hostileString, reply_to_message: hostileJson, photo: hostileJson, sticker: hostileJson,
}, { requiredKeys: [] });
/** Messages shaped as Telegram sends them, with hostile text, entities pointing anywhere, commands and strangers. */
const tgWellShaped = fc.record({
  message_id: fc.integer({ min: 1, max: 1e9 }), date: fc.integer({ min: 0, max: 2e9 }),
  from: fc.oneof(fc.constant({ id: 42, is_bot: false, first_name: 'Ada' }), fc.record({ id: fc.integer({ min: 1, max: 2 ** 40 }), is_bot: fc.boolean(), first_name: hostileString, username: hostileString })),
  chat: fc.oneof(fc.constant({ id: 42, type: 'private' }), fc.record({ id: fc.integer({ min: -(2 ** 40), max: 2 ** 40 }), type: fc.constantFrom('private', 'group', 'supergroup', 'channel') })),
  text: fc.oneof(hostileString, fc.constantFrom('/start', '/status', '/help', '/help@other_bot', '@clanker_test_bot hi', '/start@clanker_test_bot')),
  entities: fc.array(fc.record({ type: fc.constantFrom('bot_command', 'mention', 'bold', 'url', 'text_mention'), offset: fc.integer({ min: -5, max: 500 }), length: fc.integer({ min: -5, max: 500 }) }), { maxLength: 3 }),
  reply_to_message: fc.record({ from: fc.record({ id: fc.integer({ min: 1, max: 2 ** 40 }) }) }),
}, { requiredKeys: ['message_id', 'date', 'from', 'chat'] })
  // Ada's own chat holds the canaries: a text there with nothing to read lets the model echo the canary before it
  // (its empty turn is left out of the conversation), which would look like a second answer to the canary.
  .filter((m) => !((m.chat as { id: number }).id === 42 && m.text !== undefined && !/[\p{L}\p{N}]/u.test(m.text)));

/** Update shapes Telegram sends, malformed every which way, plus kinds the bot never asked for. */
const tgUpdate: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ message: tgWellShaped }) },
  { weight: 4, arbitrary: fc.record({ message: tgMessage }) },
  fc.record({ edited_message: tgMessage }), fc.record({ channel_post: tgMessage }),
  fc.record({ callback_query: hostileJson }), fc.record({ my_chat_member: hostileJson }),
  fc.dictionary(hostileKey.filter((k) => k !== 'update_id'), hostileJson, { minKeys: 1, maxKeys: 3 }),
);

describe('reliability: hostile input from the channels', () => {
  let tg: FakeTelegram;
  let discord: FakeDiscord;
  let model: FakeModelServer;
  let gw: RunningGateway;

  const logTail = (): string => gw.lines().filter((l) => /"level":[456]/.test(l) && !/malformed; skipped/.test(l)).slice(-12).map((l) => l.slice(0, 600)).join('\n');
  const restarts = async (actor: string): Promise<number> => {
    const res = await fetch(`${gw.url}/api/status`, { signal: AbortSignal.timeout(10_000) });
    const body = await res.json() as { actors: Array<{ name: string; restarts: number }> };
    return body.actors.find((a) => a.name === actor)?.restarts ?? -1;
  };

  before(async () => {
    [tg, discord, model] = await Promise.all([startFakeTelegram(), startFakeDiscord({ heartbeatIntervalMs: 400 }), startFakeOpenAI({ apiKey: KEY })]);
    model.setReply((lastUser) => `re: ${lastUser.split('\n\n').pop() ?? ''}`);
    gw = await startGateway({
      configToml: ['[server]', 'rate_limit_per_minute = 0',
        '[agent]', 'provider = "openai"', `api_key = "${KEY}"`, `base_url = "${model.url}"`, 'max_retries = 0',
        '[channels.telegram]', `bot_token = "${tg.token}"`, `api_root = "${tg.apiRoot}"`, 'allowed_users = ["42"]', 'poll_timeout_s = 1', 'rate_limit_per_minute = 0',
        '[channels.discord]', `bot_token = "${discord.token}"`, `api_base = "${discord.api}"`, `guild_id = "${discord.guildId}"`, `allowed_users = ["${alice.id}"]`, ''].join('\n'),
    });
    await until('/ready', async () => (await fetch(`${gw.url}/ready`)).status === 200);
  });
  after(async () => {
    await gw?.kill();
    await Promise.all([tg?.close(), discord?.close(), model?.close()]);
  });

  test('hostile Telegram updates: all confirmed, the actor never crashes, canaries between them answered once', async (t) => {
    let injected = 0;
    let canary = 0;
    const byId = new Map<number, unknown>();
    const canaries: string[] = [];
    await checkProperty(fc.asyncProperty(tgUpdate, async (update) => {
      byId.set(tg.injectUpdate(update), update);
      injected++;
      if (injected % 10 === 0) {
        const text = `telegram canary ${++canary}`;
        tg.injectText(ada, text);
        canaries.push(text);
      }
    }), { numRuns: 80 });
    // A last canary: once it is confirmed, so is everything before it (kinds the bot did not ask for are dropped).
    const last = 'telegram canary last';
    tg.injectText(ada, last);
    canaries.push(last);
    await until('every update confirmed', () => tg.pendingUpdates() === 0, 30_000, () => [
      `${tg.pendingUpdates()} updates pending; last getUpdates: ${JSON.stringify(tg.calls.filter((c) => c.method === 'getUpdates').slice(-1))}`,
      `stuck at: ${JSON.stringify(byId.get(Number(tg.calls.filter((c) => c.method === 'getUpdates').at(-1)?.body.offset)))}`,
      logTail(),
    ].join('\n'));
    await until('every canary answered', () => canaries.every((c) => tg.sent.some((s) => s.chat_id === 42 && s.parse_mode === 'HTML' && s.text === `re: ${c}`)), 60_000,
      () => `missing: ${canaries.filter((c) => !tg.sent.some((s) => s.text === `re: ${c}`)).join(', ')}\n${tg.sent.filter((s) => s.chat_id === 42).slice(-5).map((s) => JSON.stringify(s).slice(0, 200)).join('\n')}\n${logTail()}`);
    // One final (HTML) answer each; a hostile update reusing a bot message id can make the fake refuse the preview's
    // final edit, and the answer then comes as a new message beside the stale preview (the outbox's documented fallback).
    for (const c of canaries) {
      assert.equal(new Set(tg.sent.filter((s) => s.chat_id === 42 && s.parse_mode === 'HTML' && s.text === `re: ${c}`).map((s) => s.message_id)).size, 1,
        `${c}\n${tg.sent.filter((s) => s.chat_id === 42 && s.text.includes(c)).map((s) => JSON.stringify(s)).join('\n')}`);
    }
    assert.equal(await restarts('telegram'), 0, 'the Telegram actor restarted');
    assert.equal(gw.proc.exitCode, null);
    t.diagnostic(`telegram updates: ${injected} hostile + ${canaries.length} canaries injected; all confirmed, canaries answered once, 0 actor restarts`);
  });

  test('hostile Discord messages (content, DMs, strangers): the actor never crashes, canaries answered once', async (t) => {
    let injected = 0;
    const canaries: string[] = [];
    const author = fc.oneof(fc.constant(alice), fc.record({ id: fc.stringMatching(/^[1-9][0-9]{17,19}$/), username: hostileString.map((s) => s.slice(0, 64) || 'x') }));
    await checkProperty(fc.asyncProperty(author, fc.oneof(hostileString.filter((x) => !x.trim().startsWith('/new')), fc.constantFrom('/status', '@everyone', '<@1300000000000000002>', '```\n', '')), fc.boolean(), fc.boolean(), async (who, content, mention, dm) => {
      discord.injectMessage({ author: who, content, mentionBot: mention, ...(dm ? { guildId: null } : {}) });
      injected++;
      if (injected % 10 === 0) {
        const text = `discord canary ${canaries.length + 1}`;
        discord.injectMessage({ author: alice, content: text, mentionBot: true });
        canaries.push(text);
      }
      await sleep(10);
    }), { numRuns: 40 });
    await until('every canary answered', () => canaries.every((c) => discord.messages.some((m) => m.content === `re: ${c}`)), 60_000,
      () => `missing: ${canaries.filter((c) => !discord.messages.some((m) => m.content === `re: ${c}`)).join(', ')}\n${discord.messages.slice(-5).map((m) => JSON.stringify(m).slice(0, 200)).join('\n')}\n${logTail()}`);
    for (const c of canaries) assert.equal(discord.messages.filter((m) => m.content === `re: ${c}`).length, 1, c);
    assert.equal(await restarts('discord'), 0, 'the Discord actor restarted');
    assert.equal(gw.proc.exitCode, null);
    t.diagnostic(`discord messages: ${injected} hostile + ${canaries.length} canaries injected; canaries answered once, 0 actor restarts`);
  });
});
