// The Discord client the channel builds, against the fake: memory stays bounded however many messages and authors it
// sees, and the channel still answers messages the client no longer holds.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ChannelType, type Client, type Message } from '../../src/vendor/discord.js';
import { createDiscordClient, CACHED_USERS_MAX } from '../../src/channels/discord/connection.js';
import { DiscordOutbound } from '../../src/channels/discord/outbound.js';
import { memoryLogger } from '../helpers/actors.js';
import { startFakeDiscord, type FakeDiscord } from '../fakes/discord.js';

let fake: FakeDiscord;
let client: Client;
const received: Message[] = [];

before(async () => {
  fake = await startFakeDiscord();
  client = createDiscordClient(fake.api);
  client.on('messageCreate', (m) => received.push(m));
  await client.login(fake.token);
  await fake.waitFor(() => client.isReady());
});
after(async () => {
  await client?.destroy();
  await fake?.close();
});

test('no messages and only the most recent authors are kept, the bot itself always', async () => {
  const authors = CACHED_USERS_MAX + 20;
  for (let i = 0; i < authors; i++) {
    fake.injectMessage({ author: { id: String(1_400_000_000_000_000_000n + BigInt(i)), username: `user${i}` }, content: `message ${i}` });
  }
  await fake.waitFor(() => received.length >= authors, 30_000);
  assert.equal(received.length, authors);
  const channel = client.channels.cache.get(fake.textChannelId);
  assert.equal(channel?.type, ChannelType.GuildText);
  assert.equal(channel.messages.cache.size, 0);
  assert.ok(client.users.cache.size <= CACHED_USERS_MAX + 1, `${client.users.cache.size} users cached`);
  assert.ok(client.users.cache.has(fake.botUser.id), 'the bot user stays cached');
  assert.ok(client.users.cache.has(received.at(-1)?.author.id ?? ''), 'the latest author is cached');
  const members = client.guilds.cache.get(fake.guildId)?.members.cache.size ?? 0;
  assert.ok(members <= CACHED_USERS_MAX + 1, `${members} members cached`);
});

test('the channel answers a message the client no longer holds: a preview replying to it, then its final edit', async () => {
  const outbound = new DiscordOutbound(() => client, memoryLogger().logger, { editIntervalMs: 10 });
  const question = received[0]?.id ?? '';
  try {
    outbound.stream({ to: fake.textChannelId, streamId: 'answer-1', text: 'the answer so', replyTo: question });
    await fake.waitFor(() => fake.messages.some((m) => m.content === 'the answer so'));
    const sent = await outbound.send({ to: fake.textChannelId, text: 'the answer so far, and done', replyTo: question, streamId: 'answer-1' });
    assert.equal(sent.messageIds.length, 1);
    const shown = fake.messages.find((m) => m.id === sent.messageIds[0]);
    assert.equal(shown?.content, 'the answer so far, and done');
    const post = fake.restCalls.find((c) => c.route === 'POST /channels/:id/messages' && c.status === 200);
    assert.equal((post?.body as { message_reference?: { message_id?: string } }).message_reference?.message_id, question);
    assert.ok(fake.restCalls.some((c) => c.route === 'PATCH /channels/:id/messages/:mid' && c.status === 200), 'the preview was edited');
    assert.ok(client.guilds.cache.get(fake.guildId)?.members.me, 'the bot\'s own member stays cached');
  } finally {
    outbound.close();
  }
});
