// Discord channel acceptance (issue 6): the real `clanker serve`, the Discord fake and the OpenAI fake over real sockets.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startGateway, type RunningGateway } from '../helpers/cli.js';
import { startFakeDiscord, type BotMessage, type FakeDiscord } from '../fakes/discord.js';
import { startFakeOpenAI, type FakeModelServer } from '../fakes/openai.js';
import { REFUSAL_REPLY } from '../../src/channels/access.js';

const alice = { id: '1300000000000000001', username: 'alice' };
const bob = { id: '1300000000000000002', username: 'bob' };
const otherBot = { id: '1300000000000000009', username: 'other-bot', bot: true };
const OPENAI_KEY = 'sk-fake-openai-key-for-discord-e2e';
const ANSWER_MS = 10_000;
/** How long "nothing happened" is watched for; long against the fakes' millisecond round trips. */
const QUIET_MS = 600;

function configToml(discord: FakeDiscord, openai: FakeModelServer, extra = ''): string {
  return `
[log]
level = "debug"

[agent]
provider = "openai"
api_key = "${OPENAI_KEY}"
base_url = "${openai.url}"
max_tokens = 4096
max_retries = 0

[channels.discord]
bot_token = "${discord.token}"
api_base = "${discord.api}"
guild_id = "${discord.guildId}"
allowed_users = ["${alice.id}"]
${extra}
`;
}

async function getJson(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  return { status: res.status, body: await res.json() as Record<string, unknown> };
}

async function discordStatus(gw: RunningGateway): Promise<Record<string, unknown>> {
  const { body } = await getJson(`${gw.url}/api/status`);
  return (body.channels as Record<string, Record<string, unknown>> | undefined)?.discord ?? {};
}

/** Polls `pick` until it yields a value; fails after `ms`. */
async function waitFor<T>(what: string, pick: () => Promise<T | undefined | false> | T | undefined | false, ms = ANSWER_MS): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await pick();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(20);
  }
}

describe('discord channel: server, DMs, long answers, mentions, reconnects', () => {
  let discord: FakeDiscord;
  let openai: FakeModelServer;
  let gw: RunningGateway;

  const sentTo = (channelId: string): BotMessage[] => discord.messages.filter((m) => m.channel_id === channelId);
  const answered = (content: string): Promise<BotMessage> =>
    waitFor(`the answer "${content.slice(0, 40)}"`, () => discord.messages.find((m) => m.content === content));
  const modelSaw = (text: string): boolean => JSON.stringify(openai.requests.map((r) => r.body)).includes(text);
  const creates = (): number => discord.restCalls.filter((c) => c.route === 'POST /channels/:id/messages').length;

  before(async () => {
    discord = await startFakeDiscord({ heartbeatIntervalMs: 400 });
    openai = await startFakeOpenAI({ apiKey: OPENAI_KEY });
    gw = await startGateway({ configToml: configToml(discord, openai, 'dm_policy = "allowlist"') });
    await waitFor('/ready', async () => (await getJson(`${gw.url}/ready`)).status === 200);
  });
  after(async () => {
    await gw?.kill();
    await discord?.close();
    await openai?.close();
  });

  test('ready: /api/status shows the gateway state and the slash command is registered for the server', async () => {
    const status = await discordStatus(gw);
    assert.equal(status.state, 'up');
    assert.deepEqual({ guilds: status.guilds, ready: status.ready, shard_status: status.shard_status, reconnects: status.reconnects },
      { guilds: 2, ready: true, shard_status: 'ready', reconnects: 0 });
    const put = await waitFor('command registration', () => discord.restCalls.find((c) => c.route === 'PUT /applications/:appId/guilds/:gid/commands'));
    assert.equal(put.status, 200);
    assert.ok(put.path.includes(discord.guildId));
    assert.deepEqual((put.body as { name: string }[]).map((c) => c.name), ['new']);
  });

  test('a mention in the allowed server is answered in the same channel, as a reply, after typing', async () => {
    const id = discord.injectMessage({ author: alice, content: 'hello there', mentionBot: true });
    const answer = await answered('echo: hello there');
    assert.equal(answer.channel_id, discord.textChannelId);
    const create = discord.restCalls.find((c) => c.route === 'POST /channels/:id/messages' && (c.body as { message_reference?: { message_id?: string } }).message_reference?.message_id === id);
    assert.ok(create, 'the answer replies to the question');
    assert.ok(discord.restCalls.some((c) => c.route === 'POST /channels/:id/typing' && c.path.includes(discord.textChannelId)));
    const sessions = openai.requests.at(-1)?.body as { messages: { role: string; content: unknown }[] };
    assert.deepEqual(sessions.messages.at(-1), { role: 'user', content: 'hello there' });
  });

  test('no mention, another server, another bot: ignored — and a later mention is still answered', async () => {
    const before = creates();
    discord.injectMessage({ author: alice, content: 'nobody asked me' });
    discord.injectMessage({ author: alice, content: 'wrong server', mentionBot: true, channelId: discord.otherChannelId });
    discord.injectMessage({ author: otherBot, content: 'bot chatter', mentionBot: true });
    discord.injectMessage({ author: bob, content: 'not on the list', mentionBot: true });
    await sleep(QUIET_MS);
    assert.equal(creates(), before, 'nothing was sent');
    discord.injectMessage({ author: alice, content: 'are you there', mentionBot: true });
    await answered('echo: are you there');
    assert.equal(sentTo(discord.otherChannelId).length, 0);
    for (const text of ['nobody asked me', 'wrong server', 'bot chatter', 'not on the list']) assert.ok(!modelSaw(text), `the model never saw "${text}"`);
  });

  test('a DM from an allowed user is answered in the DM', async () => {
    discord.injectMessage({ author: alice, content: 'a private question', guildId: null });
    const answer = await answered('echo: a private question');
    assert.notEqual(answer.channel_id, discord.textChannelId);
    assert.notEqual(answer.channel_id, discord.otherChannelId);
    const dm = discord.restCalls.find((c) => c.route === 'POST /channels/:id/messages' && c.path.includes(answer.channel_id));
    assert.equal((dm?.body as { message_reference?: unknown }).message_reference, undefined, 'DM answers are not replies');
  });

  test('a DM from a user not on the allow list is refused once, then ignored, and never reaches the model', async () => {
    discord.injectMessage({ author: bob, content: 'let me in', guildId: null });
    discord.injectMessage({ author: bob, content: 'hello??', guildId: null });
    const refusal = await answered(REFUSAL_REPLY);
    await sleep(QUIET_MS);
    assert.equal(sentTo(refusal.channel_id).length, 1);
    assert.ok(!modelSaw('let me in') && !modelSaw('hello??'));
  });

  test('a 5,000-character answer arrives as three messages of at most 2000 characters', async () => {
    const paragraph = (i: number): string => `P${i} ${'lorem ipsum '.repeat(90)}`.slice(0, 998);
    const long = [0, 1, 2, 3, 4].map(paragraph).join('\n\n');
    assert.equal(long.length, 4998);
    openai.setReply(() => long);
    // Streamed as a model does (a piece every millisecond, ~1.3 s in all), so a preview is shown before the answer ends.
    openai.setChunkDelayMs(1);
    try {
      const before = sentTo(discord.textChannelId).length;
      discord.injectMessage({ author: alice, content: 'tell me a lot', mentionBot: true });
      const parts = await waitFor('three parts', () => {
        const mine = sentTo(discord.textChannelId).slice(before);
        return mine.length === 3 && mine[2]?.content.startsWith('P4') && mine[0]?.content.startsWith('P0') && mine[0]?.content.endsWith(paragraph(1).trimEnd()) ? mine : undefined;
      });
      await sleep(QUIET_MS);
      assert.equal(sentTo(discord.textChannelId).length - before, 3, 'no fourth message');
      for (const part of parts) assert.ok([...part.content].length <= 2000, `${part.content.length} characters`);
      assert.deepEqual(parts.map((p) => p.content), [
        `${paragraph(0)}\n\n${paragraph(1)}`.trimEnd(), `${paragraph(2)}\n\n${paragraph(3)}`.trimEnd(), paragraph(4).trimEnd(),
      ]);
      assert.ok(parts[0]?.edited, 'the first part is the streamed preview, edited into place');
    } finally {
      openai.setChunkDelayMs(0);
      openai.setReply((text) => `echo: ${text}`);
    }
  });

  test('a slow answer streams into one message, edited at most about once a second', async () => {
    const reply = Array.from({ length: 80 }, (_, i) => `word${i}`).join(' ');
    openai.setReply(() => reply);
    openai.setChunkDelayMs(15);
    try {
      const before = sentTo(discord.textChannelId).length;
      discord.injectMessage({ author: alice, content: 'take your time', mentionBot: true });
      const answer = await answered(reply);
      assert.equal(sentTo(discord.textChannelId).length - before, 1, 'one message, edited in place');
      const edits = discord.restCalls.filter((c) => c.route === 'PATCH /channels/:id/messages/:mid' && c.path.endsWith(answer.id));
      const previews = edits.filter((c) => (c.body as { content?: string }).content !== reply);
      assert.ok(previews.length >= 1, `the preview grew before the end (${edits.length} edits)`);
      for (let i = 1; i < previews.length; i++) {
        const gap = (previews[i]?.at ?? 0) - (previews[i - 1]?.at ?? 0);
        assert.ok(gap >= 800, `preview edits ${gap} ms apart`);
      }
    } finally {
      openai.setChunkDelayMs(0);
      openai.setReply((text) => `echo: ${text}`);
    }
  });

  test('a reply containing @everyone is sent with every mention disabled, on create and on edit', async () => {
    openai.setReply(() => 'Attention @everyone and @here and <@&123456789012345678>: ping!');
    try {
      discord.injectMessage({ author: alice, content: 'shout', mentionBot: true });
      const answer = await answered('Attention @everyone and @here and <@&123456789012345678>: ping!');
      assert.deepEqual(answer.allowed_mentions, { parse: [], replied_user: true });
      const calls = discord.restCalls.filter((c) => c.path.includes(`/messages`) && (c.route === 'PATCH /channels/:id/messages/:mid' ? c.path.endsWith(answer.id) : JSON.stringify(c.body).includes('@everyone')));
      assert.ok(calls.length >= 1);
      for (const call of calls) assert.deepEqual((call.body as { allowed_mentions?: unknown }).allowed_mentions, { parse: [], replied_user: true });
    } finally {
      openai.setReply((text) => `echo: ${text}`);
    }
  });

  test('/new as text resets the channel session; the slash command does too', async () => {
    discord.injectMessage({ author: alice, content: '/new', mentionBot: true });
    await answered('Started a new conversation: I have forgotten what was said in this channel before.');
    discord.injectMessage({ author: alice, content: 'fresh start', mentionBot: true });
    await answered('echo: fresh start');
    const body = openai.requests.at(-1)?.body as { messages: { role: string }[] };
    assert.deepEqual(body.messages.map((m) => m.role), ['system', 'user'], 'history was forgotten');

    const id = discord.injectInteraction({ author: alice, commandName: 'new' });
    const response = await waitFor('the /new interaction answer', () => discord.interactionResponses.find((r) => r.id === id));
    assert.match(String((response.data as { content?: unknown }).content), /Started a new conversation/);
    const refused = discord.injectInteraction({ author: bob, commandName: 'new' });
    const refusal = await waitFor('the refusal', () => discord.interactionResponses.find((r) => r.id === refused));
    assert.equal((refusal.data as { flags?: unknown }).flags, 64, 'ephemeral');
  });

  test('a REST 429 is waited out by discord.js and the answer still arrives', async () => {
    discord.failNext('POST /channels/:id/messages', 1, { status: 429, retryAfterSec: 0.3 });
    discord.injectMessage({ author: alice, content: 'slow down', mentionBot: true });
    await answered('echo: slow down');
    assert.ok(discord.restCalls.some((c) => c.route === 'POST /channels/:id/messages' && c.status === 429));
  });

  test('the fake drops the gateway socket mid-conversation: the client resumes and the next message is answered', async () => {
    const resumes = discord.resumes();
    discord.injectMessage({ author: alice, content: 'before the drop', mentionBot: true });
    discord.dropConnection();
    discord.injectMessage({ author: alice, content: 'during the drop', mentionBot: true });
    await waitFor('a resume', () => discord.resumes() > resumes);
    await answered('echo: before the drop');
    await answered('echo: during the drop');
    discord.injectMessage({ author: alice, content: 'after the drop', mentionBot: true });
    await answered('echo: after the drop');
    const status = await waitFor('status up again', async () => { const s = await discordStatus(gw); return s.state === 'up' ? s : undefined; });
    assert.ok(Number(status.reconnects) >= 1);
  });

  test('the fake stops acknowledging heartbeats (zombie): the client reconnects and answers again', async () => {
    const connections = discord.connections();
    discord.stopAcking(true);
    try {
      await waitFor('a new gateway connection', () => discord.connections() > connections);
    } finally {
      discord.stopAcking(false);
    }
    discord.injectMessage({ author: alice, content: 'still alive?', mentionBot: true });
    await answered('echo: still alive?');
    assert.ok(!gw.lines().some((l) => l.includes(discord.token)), 'the bot token never appears in the logs');
  });
});

describe('discord channel: pairing for strangers, no mention needed', () => {
  let discord: FakeDiscord;
  let openai: FakeModelServer;
  let gw: RunningGateway;

  before(async () => {
    discord = await startFakeDiscord();
    openai = await startFakeOpenAI({ apiKey: OPENAI_KEY });
    gw = await startGateway({ configToml: configToml(discord, openai, 'dm_policy = "pairing"\nrequire_mention = false') });
    await waitFor('/ready', async () => (await getJson(`${gw.url}/ready`)).status === 200);
  });
  after(async () => {
    await gw?.kill();
    await discord?.close();
    await openai?.close();
  });

  test('a stranger DMing the bot gets a pairing code, once, and never reaches the model; once approved they are told and answered', async () => {
    discord.injectMessage({ author: bob, content: 'let me in', guildId: null });
    discord.injectMessage({ author: bob, content: 'please?', guildId: null });
    const reply = await waitFor('a pairing code', () => discord.messages.find((m) => /pairing code/.test(m.content)));
    assert.match(reply.content, /clanker pairing approve discord [A-Z2-9]{8}/);
    await sleep(QUIET_MS);
    assert.equal(discord.messages.filter((m) => m.channel_id === reply.channel_id).length, 1);
    assert.equal(openai.callCount(), 0);

    const code = /clanker pairing approve discord ([A-Z2-9]{8})/.exec(reply.content)?.[1];
    const res = await fetch(`${gw.url}/api/pairing/approve`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ channel: 'discord', code }), signal: AbortSignal.timeout(10_000),
    });
    assert.deepEqual(await res.json(), { channel: 'discord', user_id: bob.id, approved: true, notified: true });
    const told = await waitFor('the approval notice', () => discord.messages.find((m) => m.channel_id === reply.channel_id && /approved/.test(m.content)));
    assert.match(told.content, /^You're approved/);
    discord.injectMessage({ author: bob, content: 'thanks', guildId: null });
    await waitFor('the answer', () => discord.messages.find((m) => m.channel_id === reply.channel_id && m.content === 'echo: thanks'));
  });

  test('with require_mention off, a plain message in the server is answered', async () => {
    discord.injectMessage({ author: alice, content: 'no mention needed' });
    await waitFor('the answer', () => discord.messages.find((m) => m.content === 'echo: no mention needed'));
  });

  test('SIGTERM stops the gateway and the Discord client cleanly', async () => {
    const { code } = await gw.stop();
    assert.equal(code, 0);
  });
});

describe('discord channel: a rejected bot token', () => {
  let discord: FakeDiscord;
  let openai: FakeModelServer;
  let gw: RunningGateway;

  before(async () => {
    discord = await startFakeDiscord();
    openai = await startFakeOpenAI({ apiKey: OPENAI_KEY });
    const toml = configToml(discord, openai).replace(`bot_token = "${discord.token}"`, 'bot_token = "not-the-real-token-0123456789"');
    gw = await startGateway({ configToml: toml });
  });
  after(async () => {
    await gw?.kill();
    await discord?.close();
    await openai?.close();
  });

  test('the channel reports down with the reason, the gateway keeps serving, the token is not logged', async () => {
    const status = await waitFor('discord down', async () => { const s = await discordStatus(gw); return s.state === 'down' ? s : undefined; });
    assert.match(String(status.detail), /rejected the bot token/);
    assert.equal(status.ready, false);
    const actors = (await getJson(`${gw.url}/api/status`)).body.actors as { name: string; restarts: number }[];
    assert.equal(actors.find((a) => a.name === 'discord')?.restarts, 0, 'the actor did not crash');
    const ready = await getJson(`${gw.url}/ready`);
    assert.equal(ready.status, 503);
    assert.equal((await getJson(`${gw.url}/health`)).status, 200);
    assert.ok(!gw.lines().some((l) => l.includes('not-the-real-token-0123456789')), 'the token never appears in the logs');
    const { code } = await gw.stop();
    assert.equal(code, 0);
  });
});
