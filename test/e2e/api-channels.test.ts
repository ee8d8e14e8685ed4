// The API with a real channel enabled (the Discord fake): `send` over /ws, HTTP and the CLI; channel topics;
// `channel.state` events on `status`.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli, startGateway, type RunningGateway } from '../helpers/cli.js';
import { call } from '../helpers/http.js';
import { TestWsClient } from '../helpers/ws-client.js';
import { startFakeDiscord, type FakeDiscord } from '../fakes/discord.js';

const TOKEN = 'channels-test-token-8c1e';
const alice = { id: '1300000000000000001', username: 'alice' };

describe('API with the Discord channel enabled', () => {
  let discord: FakeDiscord;
  let gw: RunningGateway;
  const clients: TestWsClient[] = [];
  const client = async (topics: string[]): Promise<TestWsClient> => {
    const c = await TestWsClient.connect(gw.url, { token: TOKEN });
    clients.push(c);
    if (topics.length > 0) await c.call('subscribe', { topics });
    return c;
  };

  before(async () => {
    discord = await startFakeDiscord({ heartbeatIntervalMs: 400 });
    gw = await startGateway({
      configToml: `[server]\nauth_token = "${TOKEN}"\nrate_limit_per_minute = 0\n\n[channels.discord]\nbot_token = "${discord.token}"\napi_base = "${discord.api}"\nguild_id = "${discord.guildId}"\nallowed_users = ["${alice.id}"]\n`,
    });
    await discord.waitFor(async () => {
      const status = await call(`${gw.url}/api/status`, 'GET', { token: TOKEN });
      return (status.body as { channels: { discord?: { state: string } } }).channels.discord?.state === 'up';
    }, 15_000);
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await gw?.stop();
    await discord?.close();
  });

  test('send over /ws, POST /api/message and `clanker send` deliver through the channel', async () => {
    const ws = await client([]);
    const viaWs = await ws.call('send', { channel: 'discord', to: discord.textChannelId, text: 'sent over ws' }) as { status: string; message_id: string };
    assert.equal(viaWs.status, 'sent');
    assert.equal(discord.messages.find((m) => m.id === viaWs.message_id)?.content, 'sent over ws');

    const viaHttp = await call(`${gw.url}/api/message`, 'POST', { token: TOKEN, body: { channel: 'discord', to: discord.textChannelId, text: 'sent over http' } });
    assert.equal(viaHttp.status, 200);
    const body = viaHttp.body as { status: string; message_id: string };
    assert.equal(body.status, 'sent');
    assert.equal(discord.messages.find((m) => m.id === body.message_id)?.content, 'sent over http');

    // The id is a 19-digit snowflake: it must reach the gateway as typed, not rounded through a number.
    const cli = await runCli(['send', '--channel', 'discord', '--to', discord.textChannelId, '--message', 'sent by the cli', '--url', gw.url, '--token', TOKEN]);
    assert.equal(cli.code, 0, cli.stderr);
    assert.match(cli.stdout, new RegExp(`^sent to discord ${discord.textChannelId} \\(message id \\d+\\)\\n$`));
    assert.equal(discord.messages.at(-1)?.content, 'sent by the cli');
    assert.equal(discord.messages.at(-1)?.channel_id, discord.textChannelId);
  });

  test('`discord` subscribers get the channel\'s messages; `telegram` subscribers do not', async () => {
    const dc = await client(['discord']);
    const tg = await client(['telegram']);
    const both = dc.collect((f) => f.event === 'message', 2, 10_000);
    discord.injectMessage({ author: alice, content: 'hello from discord', mentionBot: true });
    const events = await both;
    assert.deepEqual(events.map((e) => [e.topic, (e.data as { direction: string }).direction, (e.data as { channel: string }).channel]), [['discord', 'in', 'discord'], ['discord', 'out', 'discord']]);
    assert.equal((events[0]?.data as { text: string; sender: { id: string } }).sender.id, alice.id);
    assert.deepEqual(events.map((e) => e.seq), [1, 2]);
    await tg.call('ping');
    assert.deepEqual(tg.events(), []);
  });

  test('`status` subscribers see channel.state as the channel reconnects', async () => {
    const st = await client(['status']);
    const degraded = st.waitFor((f) => f.event === 'channel.state' && (f.data as { state: string }).state === 'degraded', 10_000);
    const up = st.collect((f) => f.event === 'channel.state' && (f.data as { state: string }).state === 'up', 1, 15_000);
    discord.dropConnection();
    const event = await degraded;
    assert.equal(event.topic, 'status');
    assert.equal((event.data as { channel: string }).channel, 'discord');
    assert.equal(typeof (event.data as { detail: unknown }).detail, 'string');
    await up;
  });
});
