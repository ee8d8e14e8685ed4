// Discord does not replay what a bot missed: messages sent while the gateway was stopped, or before a session
// that could not be resumed, are read from the channel's history and answered once, oldest first.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startGateway, tempDir, type RunningGateway } from '../helpers/cli.js';
import { waitFor } from '../helpers/actors.js';
import { startFakeDiscord, type FakeDiscord } from '../fakes/discord.js';

const alice = { id: '1300000000000000001', username: 'alice' };
const ANSWER_MS = 10_000;
const QUIET_MS = 600;

describe('discord: messages sent while the bot was away', () => {
  let discord: FakeDiscord;
  let gw: RunningGateway | undefined;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  /** A gateway on the test's data dir, once its Discord channel is connected. */
  const start = async (): Promise<RunningGateway> => {
    const started = await startGateway({
      dataDir: join(dir.path, 'data'),
      configToml: `[channels.discord]\nbot_token = "${discord.token}"\napi_base = "${discord.api}"\nguild_id = "${discord.guildId}"\nallowed_users = ["${alice.id}"]\nrequire_mention = false\n`,
    });
    let state = '';
    const deadline = Date.now() + ANSWER_MS;
    while (state !== 'up' && Date.now() < deadline) {
      const status = await (await fetch(`${started.url}/api/status`)).json() as { channels: { discord?: { state: string } } };
      state = status.channels.discord?.state ?? '';
      if (state !== 'up') await sleep(20);
    }
    assert.equal(state, 'up', 'the discord channel connected');
    return started;
  };
  const answers = (text: string) => discord.messages.filter((m) => m.content === text);

  before(async () => {
    discord = await startFakeDiscord({ heartbeatIntervalMs: 400 });
    dir = await tempDir('clanker-backfill-');
  });
  after(async () => {
    await gw?.kill();
    await discord?.close();
    await dir?.cleanup();
  });

  test('after a restart, what was said meanwhile is answered once, in order, and nothing earlier again', async () => {
    gw = await start();
    discord.injectMessage({ author: alice, content: 'before the stop' });
    await waitFor(() => answers('before the stop').length === 1, 'the first answer', ANSWER_MS);
    const { code } = await gw.stop();
    assert.equal(code, 0);

    discord.injectMessage({ author: alice, content: 'while away one' });
    discord.injectMessage({ author: alice, content: 'while away two' });
    gw = await start();
    await waitFor(() => answers('while away one').length === 1 && answers('while away two').length === 1, 'both missed messages answered', ANSWER_MS);
    await sleep(QUIET_MS);
    assert.equal(answers('before the stop').length, 1, 'the message answered before the stop is not answered again');
    assert.equal(answers('while away one').length, 1);
    const order = discord.messages.map((m) => m.content).filter((c) => c.startsWith('while away'));
    assert.deepEqual(order, ['while away one', 'while away two']);
  });

  test('after a session Discord would not resume, what was sent in between is answered', async () => {
    discord.invalidateSessions();
    discord.dropConnection(4009);
    discord.injectMessage({ author: alice, content: 'during the reconnect' });
    await waitFor(() => answers('during the reconnect').length === 1, 'the missed message answered', ANSWER_MS);
    await sleep(QUIET_MS);
    assert.equal(answers('during the reconnect').length, 1);
  });
});
