// storage.session_ttl_days against a real LMDB store: idle conversations lose their turns, nothing else does.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StoreOp } from '../../src/actors/messages.js';
import { expireIdleSessions } from '../../src/store/expiry.js';
import { closeDbs, openDbs, type StoreDbs } from '../../src/store/lmdb.js';
import { StoreReader } from '../../src/store/store.js';
import { applyOps } from '../../src/store/writes.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 26);

const user = (session: string, text: string, ts: number): StoreOp => ({
  op: 'user', ts, message: { channel: 'api', to: session, session, sender: { id: 'u' }, text, externalId: `${session}:${text}` },
});
const answered = (session: string, replyTo: number, ts: number): StoreOp[] => [
  { op: 'answer', session, replyTo, text: `answer ${replyTo}`, ts, usage: { input: 1, output: 1 }, provider: 'echo', model: 'echo' },
  { op: 'delivered', session, seq: replyTo },
];

describe('expireIdleSessions', () => {
  let dir: string;
  let dbs: StoreDbs;
  let reader: StoreReader;
  const write = (ops: StoreOp[]) => applyOps(dbs, ops);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'clanker-expiry-'));
    dbs = openDbs(dir, 64);
    reader = new StoreReader(dbs);
    await applyOps(dbs, [user('api:old', 'q0', NOW - 10 * DAY)]);
    await applyOps(dbs, answered('api:old', 0, NOW - 10 * DAY));
    await applyOps(dbs, [user('api:recent', 'q0', NOW - 10 * DAY)]);
    await applyOps(dbs, answered('api:recent', 0, NOW - DAY / 2));
    // Old, but its question was never answered: a restart must still find it.
    await applyOps(dbs, [user('api:waiting', 'q0', NOW - 10 * DAY)]);
  });
  after(async () => {
    await closeDbs(dbs);
    rmSync(dir, { recursive: true, force: true });
  });

  test('clears the turns of conversations idle past the limit, keeps recent and unanswered ones', async () => {
    assert.deepEqual(await expireIdleSessions(write, 1, NOW), { sessions: 1, turns: 2 });
    reader.latest();
    const turns = (session: string) => reader.history(session).map((t) => t.text);
    assert.deepEqual(turns('api:old'), []);
    assert.deepEqual(turns('api:recent'), ['q0', 'answer 0']);
    assert.deepEqual(turns('api:waiting'), ['q0']);
    assert.deepEqual(reader.pending().map((p) => p.session), ['api:waiting']);
    assert.equal(reader.session('api:old')?.turns, 0);
    assert.deepEqual(reader.usageSessionDay('api:old', NOW - 10 * DAY), { input: 0, output: 0 }, 'its usage records went too');
    assert.deepEqual(reader.usageSessionDay('api:recent', NOW - DAY / 2), { input: 1, output: 1 });
    assert.deepEqual(await expireIdleSessions(write, 1, NOW), { sessions: 0, turns: 0 }, 'a second sweep finds nothing');
  });

  test('a cleared conversation goes on with new seqs (an old seq never comes back); its dedupe keys went', async () => {
    const [r] = await applyOps(dbs, [user('api:old', 'q1', NOW)]);
    assert.deepEqual(r, { seq: 2, duplicate: false });
    // Channels redeliver within a day at most (Telegram: 24 h), and the shortest limit is a day.
    const [again] = await applyOps(dbs, [user('api:old', 'q0', NOW)]);
    assert.deepEqual(again, { seq: 3, duplicate: false });
    const [waiting] = await applyOps(dbs, [user('api:waiting', 'q0', NOW)]);
    assert.deepEqual(waiting, { seq: 0, duplicate: true }, 'a session not cleared keeps its dedupe keys');
  });

  test('many idle conversations are cleared in batches in one sweep', async () => {
    for (let i = 0; i < 2500; i += 50) {
      await applyOps(dbs, Array.from({ length: 50 }, (_, j) => user(`api:bulk-${i + j}`, 'q', NOW - 30 * DAY)));
      await applyOps(dbs, Array.from({ length: 50 }, (_, j) => answered(`api:bulk-${i + j}`, 0, NOW - 30 * DAY)).flat());
    }
    const transactions: StoreOp[][] = [];
    const counting = (batch: StoreOp[]): ReturnType<typeof write> => { transactions.push(batch); return write(batch); };
    assert.deepEqual(await expireIdleSessions(counting, 7, NOW), { sessions: 2500, turns: 5000 });
    // Each write is one transaction; the store holds more than 2,500 sessions, so at least three.
    assert.ok(transactions.length >= 3, `${transactions.length} transactions`);
    assert.ok(transactions.every((ops) => ops.length === 1 && ops[0]?.op === 'expire' && ops[0].scan === 1000), 'each examines at most 1,000 sessions');
    reader.latest();
    assert.equal(reader.sessions(5000).filter((s) => s.id.startsWith('api:bulk-') && s.turns > 0).length, 0);
  });
});
