// Worker for the fresh-read test: writes the key it is sent into the store, then says so (like the persistence actor).
import { parentPort, workerData } from 'node:worker_threads';
import { openDbs } from '../../src/store/lmdb.js';

const dbs = openDbs((workerData as { dataDir: string }).dataDir, 64);
parentPort?.on('message', (i: number) => {
  if (i < 0) {
    void dbs.root.close().then(() => parentPort?.close());
    return;
  }
  void dbs.offsets.put(`k${i}`, i).then(() => parentPort?.postMessage(i));
});
