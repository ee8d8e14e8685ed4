// A write acknowledged by another thread is visible to the very next read in the same event turn (StoreReader.latest).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import { openDbs } from '../../src/store/lmdb.js';
import { StoreReader } from '../../src/store/store.js';
import { tempDir } from '../helpers/cli.js';

test('reads right after another thread acknowledged a write see it', async () => {
  const dir = await tempDir('clanker-fresh-');
  const dataDir = join(dir.path, 'data');
  const reader = new StoreReader(openDbs(dataDir, 64));
  const worker = new Worker(new URL('../helpers/lmdb-writer-worker.js', import.meta.url), { workerData: { dataDir } });
  try {
    const rounds = 300;
    const missed = await new Promise<number>((resolve, reject) => {
      let stale = 0;
      worker.on('error', reject);
      worker.on('message', (i: number) => {
        if (reader.latest().offset(`k${i}`) !== i) stale++;
        reader.offset('k0'); // a read that (re)starts this turn's read transaction, as any handler's would
        if (i + 1 < rounds) worker.postMessage(i + 1);
        else resolve(stale);
      });
      reader.offset('k0');
      worker.postMessage(0);
    });
    assert.equal(missed, 0, `${missed} of ${rounds} reads missed the write just acknowledged`);
  } finally {
    worker.postMessage(-1);
    await new Promise((r) => worker.once('exit', r));
    await reader.dbs.root.close();
    await dir.cleanup();
  }
});
