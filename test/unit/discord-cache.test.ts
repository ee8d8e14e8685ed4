// The Discord client the channel builds, against the fake: memory stays bounded however many messages and authors it
// sees, and replies and edits of messages it no longer holds still work.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ChannelType, type Client, type Message } from '../../src/vendor/discord.js';
import { createDiscordClient, RECENT_AUTHORS_CACHED } from '../../src/channels/discord/connection.js';
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
  const authors = RECENT_AUTHORS_CACHED + 20;
  for (let i = 0; i < authors; i++) {
    fake.injectMessage({ author: { id: String(1_400_000_000_000_000_000n + BigInt(i)), username: `user${i}` }, content: `message ${i}` });
  }
  await fake.waitFor(() => received.length >= authors, 30_000);
  assert.equal(received.length, authors);
  const channel = client.channels.cache.get(fake.textChannelId);
  assert.equal(channel?.type, ChannelType.GuildText);
  assert.equal(channel.messages.cache.size, 0);
  assert.ok(client.users.cache.size <= RECENT_AUTHORS_CACHED + 1, `${client.users.cache.size} users cached`);
  assert.ok(client.users.cache.has(fake.botUser.id), 'the bot user stays cached');
  assert.ok(client.users.cache.has(received.at(-1)?.author.id ?? ''), 'the latest author is cached');
  const members = client.guilds.cache.get(fake.guildId)?.members.cache.size ?? 0;
  assert.ok(members <= RECENT_AUTHORS_CACHED + 1, `${members} members cached`);
});

test('a reply to and an edit of messages the client no longer holds reach Discord', async () => {
  const channel = await client.channels.fetch(fake.textChannelId);
  assert.ok(channel?.type === ChannelType.GuildText);
  const first = received[0]?.id ?? '';
  const sent = await channel.send({ content: 'answer', reply: { messageReference: first, failIfNotExists: false } });
  await channel.messages.edit(sent.id, { content: 'answer, edited' });
  const posts = fake.restCalls.filter((c) => c.route === 'POST /channels/:id/messages' && c.status === 200);
  const edits = fake.restCalls.filter((c) => c.route === 'PATCH /channels/:id/messages/:mid' && c.status === 200);
  assert.equal(posts.length, 1);
  assert.equal(edits.length, 1);
  assert.deepEqual((posts[0]?.body as { message_reference?: { message_id?: string } }).message_reference?.message_id, first);
});
