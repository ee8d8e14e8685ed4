// storage.session_ttl_days in a running gateway: conversations idle past it are cleared at start, recent ones kept.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { jsonLines, startGateway, tempDir, type RunningGateway } from '../helpers/cli.js';
import { historyUntil, storedHistory } from '../helpers/gateway-api.js';
import type { StoreOp } from '../../src/actors/messages.js';
import { closeDbs, openDbs } from '../../src/store/lmdb.js';
import { applyOps } from '../../src/store/writes.js';

const DAY = 86_400_000;

/** One answered and delivered exchange stored at `ts`, as an earlier run of the gateway would have left it. */
function exchange(session: string, ts: number): StoreOp[][] {
  return [
    [{ op: 'user', ts, message: { channel: 'api', to: session, session, sender: { id: 'u' }, text: 'hello', externalId: session } }],
    [{ op: 'answer', session, replyTo: 0, text: 'hi', ts, usage: { input: 1, output: 1 }, provider: 'echo', model: 'echo' }, { op: 'delivered', session, seq: 0 }],
  ];
}

describe('storage.session_ttl_days', () => {
  let gw: RunningGateway | undefined;
  let dir: Awaited<ReturnType<typeof tempDir>> | undefined;
  after(async () => {
    await gw?.kill();
    await dir?.cleanup();
  });

  test('at start, a conversation idle 40 days loses its history under a 30-day limit; one from yesterday keeps it', async () => {
    dir = await tempDir('clanker-retention-');
    const dataDir = join(dir.path, 'data');
    const dbs = openDbs(dataDir, 64);
    for (const ops of [...exchange('api:idle', Date.now() - 40 * DAY), ...exchange('api:fresh', Date.now() - DAY)]) await applyOps(dbs, ops);
    await closeDbs(dbs);

    gw = await startGateway({ dataDir, configToml: '[storage]\nsession_ttl_days = 30\n' });
    await historyUntil(gw.url, 'api:idle', (turns) => turns.length === 0, 'the idle conversation cleared', 10_000);
    assert.deepEqual((await storedHistory(gw.url, 'api:fresh')).map((t) => t.text), ['hello', 'hi']);
    const logged = jsonLines(gw.lines()).find((l) => String(l.msg).startsWith('cleared the history of idle conversations'));
    assert.equal(logged?.sessions, 1);
    assert.equal(logged?.ttlDays, 30);
  });
});
