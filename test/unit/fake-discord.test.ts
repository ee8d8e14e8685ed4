/** Drives the fake Discord with a real discord.js Client: login, messages in and out, REST errors, gateway recovery. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ChannelType, Client, DiscordAPIError, GatewayIntentBits, Partials, type ClientOptions, type Message } from '../../src/vendor/discord.js';
import { restRequest } from '../../src/channels/discord/connection.js';
import { startFakeDiscord, type FakeDiscord } from '../fakes/discord.js';

const alice = { id: '1300000000000000001', username: 'alice' };
const baseIntents = [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.DirectMessages];

/** A logged-in client plus every message it has seen. */
async function connect(fake: FakeDiscord, extra: Partial<ClientOptions> = {}): Promise<{ client: Client; received: Message[] }> {
  const client = new Client({
    rest: { api: fake.api, makeRequest: restRequest },
    intents: [...baseIntents, GatewayIntentBits.MessageContent],
    partials: [Partials.Channel],
    ...extra,
  });
  const received: Message[] = [];
  client.on('messageCreate', (m) => received.push(m));
  try {
    await client.login(fake.token);
    await fake.waitFor(() => client.isReady());
  } catch (err) {
    await client.destroy();
    throw err;
  }
  return { client, received };
}

const byContent = (received: Message[], content: string) => (): Message | undefined =>
  received.find((m) => m.content === content);

describe('fake discord with a real discord.js client', () => {
  let fake: FakeDiscord;
  let client: Client;
  let received: Message[];

  before(async () => {
    fake = await startFakeDiscord({ heartbeatIntervalMs: 400 });
    ({ client, received } = await connect(fake, { allowedMentions: { parse: [], repliedUser: false } }));
  });
  after(async () => {
    await client?.destroy();
    await fake?.close();
  });

  test('login reaches ready with the bot user and both guilds cached', () => {
    assert.equal(client.user?.id, fake.botUser.id);
    assert.equal(client.application?.id, fake.applicationId);
    const channel = client.channels.cache.get(fake.textChannelId);
    assert.equal(channel?.type, ChannelType.GuildText);
    assert.ok(client.guilds.cache.get(fake.otherGuildId)?.channels.cache.has(fake.otherChannelId));
    assert.ok(fake.restCalls.some((c) => c.route === 'GET /gateway/bot' && c.status === 200));
    assert.equal(fake.identifies(), 1);
  });

  test('an injected guild message fires messageCreate with its content', async () => {
    const id = fake.injectMessage({ author: alice, content: 'hello guild' });
    const msg = await fake.waitFor(byContent(received, 'hello guild'));
    assert.equal(msg.id, id);
    assert.equal(msg.guildId, fake.guildId);
    assert.equal(msg.channelId, fake.textChannelId);
    assert.equal(msg.author.id, alice.id);
    assert.equal(msg.author.bot, false);
  });

  test('mentionBot prefixes the mention and marks the bot as mentioned', async () => {
    fake.injectMessage({ author: alice, content: 'ping', mentionBot: true, channelId: fake.otherChannelId });
    const msg = await fake.waitFor(byContent(received, `<@${fake.botUser.id}> ping`));
    assert.equal(msg.guildId, fake.otherGuildId);
    assert.ok(client.user && msg.mentions.has(client.user));
  });

  test('a DM fires messageCreate on an uncached DM channel', async () => {
    fake.injectMessage({ author: alice, content: 'hello dm', guildId: null });
    const msg = await fake.waitFor(byContent(received, 'hello dm'));
    assert.equal(msg.guildId, null);
    assert.equal(msg.channel.type, ChannelType.DM);
    await msg.channel.send('dm reply');
    assert.ok(fake.messages.some((m) => m.channel_id === msg.channelId && m.content === 'dm reply'));
  });

  test('send and edit reach the fake with the client-wide allowed_mentions', async () => {
    const channel = client.channels.cache.get(fake.textChannelId);
    assert.ok(channel?.isSendable());
    const sent = await channel.send('draft');
    const record = fake.messages.find((m) => m.id === sent.id);
    assert.deepEqual(record, { id: sent.id, channel_id: fake.textChannelId, content: 'draft', edited: false, allowed_mentions: { parse: [], replied_user: false } });
    await sent.edit('final');
    assert.equal(record.content, 'final');
    assert.equal(record.edited, true);
    const patch = fake.restCalls.find((c) => c.route === 'PATCH /channels/:id/messages/:mid');
    assert.deepEqual((patch?.body as { allowed_mentions?: unknown }).allowed_mentions, { parse: [], replied_user: false });
    // Like real Discord, the gateway echoes the bot's own message back to it.
    const echo = await fake.waitFor(() => received.find((m) => m.id === sent.id));
    assert.equal(echo.author.id, fake.botUser.id);
    await channel.sendTyping();
    assert.ok(fake.restCalls.some((c) => c.route === 'POST /channels/:id/typing' && c.status === 204));
  });

  test('content over 2000 characters is rejected with Invalid Form Body', async () => {
    const channel = client.channels.cache.get(fake.textChannelId);
    assert.ok(channel?.isSendable());
    await assert.rejects(channel.send('x'.repeat(2001)), (err: unknown) => err instanceof DiscordAPIError && err.code === 50035 && err.status === 400);
    const ok = await channel.send('y'.repeat(2000));
    assert.equal(ok.content.length, 2000);
  });

  test('an injected 429 makes discord.js wait and retry', async () => {
    const channel = client.channels.cache.get(fake.otherChannelId);
    assert.ok(channel?.isSendable());
    fake.failNext('POST /channels/:id/messages', 1, { status: 429, retryAfterSec: 0.2 });
    const sent = await channel.send('after the limit');
    const calls = fake.restCalls.filter((c) => c.route === 'POST /channels/:id/messages' && c.path.includes(fake.otherChannelId));
    assert.deepEqual(calls.slice(-2).map((c) => c.status), [429, 200]);
    assert.ok(fake.messages.some((m) => m.id === sent.id));
    assert.throws(() => fake.failNext('POST /nope', 1, { status: 500 }), /unknown route/);
  });

  test('bulk command overwrites are answered with ids and recorded', async () => {
    const commands = [{ name: 'ask', description: 'Ask the assistant' }];
    const global = await client.application?.commands.set(commands);
    assert.equal(global?.first()?.name, 'ask');
    await client.application?.commands.set(commands, fake.guildId);
    assert.ok(fake.restCalls.some((c) => c.route === 'PUT /applications/:appId/guilds/:gid/commands' && c.path.includes(fake.guildId)));
  });

  test('a slash command arrives as a chat-input interaction and its reply is recorded', async () => {
    const seen: string[] = [];
    client.on('interactionCreate', (interaction) => {
      if (!interaction.isChatInputCommand()) return;
      seen.push(`${interaction.commandName}:${interaction.guildId}:${interaction.channelId}:${interaction.user.id}`);
      void interaction.reply({ content: `done ${interaction.commandName}` });
    });
    const inGuild = fake.injectInteraction({ author: alice, commandName: 'ask' });
    await fake.waitFor(() => fake.interactionResponses.find((r) => r.id === inGuild));
    const response = fake.interactionResponses.find((r) => r.id === inGuild);
    assert.equal(response?.type, 4);
    assert.deepEqual((response?.data as { content?: unknown; allowed_mentions?: unknown }).content, 'done ask');
    assert.deepEqual((response?.data as { allowed_mentions?: unknown }).allowed_mentions, { parse: [], replied_user: false });
    const inDm = fake.injectInteraction({ author: alice, commandName: 'ask', guildId: null });
    await fake.waitFor(() => fake.interactionResponses.find((r) => r.id === inDm));
    assert.equal(seen[0], `ask:${fake.guildId}:${fake.textChannelId}:${alice.id}`);
    assert.match(seen[1] ?? '', new RegExp(`^ask:null:\\d+:${alice.id}$`));
    const callback = fake.restCalls.find((c) => c.route === 'POST /interactions/:id/:token/callback');
    assert.equal(callback?.status, 204);
  });

  test('a wrong token fails login', async () => {
    const bad = new Client({ rest: { api: fake.api, makeRequest: restRequest }, intents: baseIntents });
    try {
      await assert.rejects(bad.login('not-the-token'), /token/i);
    } finally {
      await bad.destroy();
    }
    assert.ok(fake.restCalls.some((c) => c.status === 401));
  });

  test('without MESSAGE_CONTENT the guild message arrives with empty content unless the bot is mentioned', async () => {
    const limited = await connect(fake, { intents: baseIntents });
    try {
      const plainId = fake.injectMessage({ author: alice, content: 'secret' });
      const plain = await fake.waitFor(() => limited.received.find((m) => m.id === plainId));
      assert.equal(plain.content, '');
      const mentionId = fake.injectMessage({ author: alice, content: 'visible', mentionBot: true });
      const mentioned = await fake.waitFor(() => limited.received.find((m) => m.id === mentionId));
      assert.equal(mentioned.content, `<@${fake.botUser.id}> visible`);
    } finally {
      await limited.client.destroy();
    }
  });
});

describe('fake discord gateway recovery', () => {
  let fake: FakeDiscord;
  before(async () => {
    fake = await startFakeDiscord({ heartbeatIntervalMs: 300 });
  });
  after(async () => {
    await fake?.close();
  });

  test('dropConnection: the client resumes and gets the missed and the next message', async () => {
    const { client, received } = await connect(fake);
    try {
      const resumes = fake.resumes();
      const identifies = fake.identifies();
      fake.dropConnection();
      fake.injectMessage({ author: alice, content: 'while away' });
      await fake.waitFor(() => fake.resumes() > resumes);
      await fake.waitFor(byContent(received, 'while away'));
      assert.equal(fake.identifies(), identifies, 'a dropped connection resumes instead of identifying');
      fake.injectMessage({ author: alice, content: 'after resume' });
      await fake.waitFor(byContent(received, 'after resume'));
    } finally {
      await client.destroy();
    }
  });

  test('stopAcking: the client detects the zombie, reconnects and gets the next message', async () => {
    const { client, received } = await connect(fake);
    try {
      const connections = fake.connections();
      fake.stopAcking(true);
      await fake.waitFor(() => fake.connections() > connections, 5000);
      fake.stopAcking(false);
      fake.injectMessage({ author: alice, content: 'after zombie' });
      await fake.waitFor(byContent(received, 'after zombie'), 5000);
    } finally {
      fake.stopAcking(false);
      await client.destroy();
    }
  });

  test('an unknown session is refused with INVALID_SESSION and the client identifies again', async () => {
    // Skip discord.js's 5 s spacing between identifies so the test stays fast.
    const { client, received } = await connect(fake, { ws: { buildIdentifyThrottler: () => ({ waitForIdentify: async () => {} }) } });
    try {
      const identifies = fake.identifies();
      const resumes = fake.resumes();
      fake.dropConnection();
      fake.invalidateSessions();
      await fake.waitFor(() => fake.resumes() > resumes && fake.identifies() > identifies);
      await fake.waitFor(() => client.isReady());
      fake.injectMessage({ author: alice, content: 'fresh session' });
      await fake.waitFor(byContent(received, 'fresh session'));
    } finally {
      await client.destroy();
    }
  });
});
