// The store's size limit against a real LMDB file: refused before the file passes it, however the writes come.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StoreOp } from '../../src/actors/messages.js';
import { AppError } from '../../src/errors.js';
import { RoomGuard, usedBytes } from '../../src/store/capacity.js';
import { closeDbs, openDbs } from '../../src/store/lmdb.js';
import { StoreReader } from '../../src/store/store.js';
import { applyOps } from '../../src/store/writes.js';

const MB = 1024 * 1024;
const dirs: string[] = [];
after(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

const userOp = (i: number, text: string): StoreOp => ({
  op: 'user', ts: 1_700_000_000_000 + i,
  message: { channel: 'api', session: `api:s${i % 7}`, sender: { id: 'u' }, text, externalId: `m${i}`, to: 'u' },
});

describe('RoomGuard', () => {
  const cases = [
    { name: 'small chats', textBytes: 200, limitMb: 2 },
    { name: 'large chats', textBytes: 60_000, limitMb: 3 },
  ];
  for (const c of cases) {
    test(`${c.name}: refused with storage_full before the file passes ${c.limitMb} MB; every admitted write reads back`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'clanker-room-'));
      dirs.push(dir);
      const dbs = openDbs(dir, 64);
      const changes: Array<string | undefined> = [];
      const guard = new RoomGuard(dbs.root, c.limitMb * MB, (refusal) => changes.push(refusal?.code));
      let written = 0;
      let refused: unknown;
      for (let i = 0; i < 20_000 && refused === undefined; i++) {
        const ops = [userOp(i, `${i}:`.padEnd(c.textBytes, 'x'))];
        let reserved: number;
        try {
          reserved = guard.admit(ops);
        } catch (err) {
          refused = err;
          break;
        }
        await applyOps(dbs, ops);
        guard.settled(reserved);
        written++;
      }
      assert.ok(refused instanceof AppError && refused.code === 'storage_full', `not refused after ${written} writes`);
      assert.match(refused.message, new RegExp(`of ${c.limitMb} MB`));
      assert.ok(usedBytes(dbs.root) <= c.limitMb * MB, `file at ${usedBytes(dbs.root)} bytes`);
      const reader = new StoreReader(dbs).latest();
      const stored = reader.sessions().reduce((n, s) => n + s.turns, 0);
      assert.equal(stored, written);
      assert.ok(written > 0);
      // Once full it stays full for small messages too: no flapping while concurrent writes come and go.
      assert.throws(() => guard.admit([userOp(99_999, 'tiny')]), (err: unknown) => err instanceof AppError && err.code === 'storage_full');
      assert.deepEqual(changes, ['storage_full'], 'turning full is told once, however many writes are refused');
      // Ops that only close turns stay admitted when full, so the store can drain.
      guard.admit([{ op: 'delivered', session: 'api:s0', seq: 0 }]);
      await closeDbs(dbs);
    });
  }
});
