// Load process measuring the storage floor: sequential durable LMDB commits, as the gateway's store makes them.
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { open } from 'lmdb';
import { Histogram } from '../lib/stats.js';
import { serveCommands, type IpcMessage } from '../lib/procs.js';

serveCommands({
  /** `count` awaited one-record transactions in a fresh environment under `dir`, with lmdb's defaults (as the gateway opens it). */
  commits: async (msg: IpcMessage) => {
    const dir = mkdtempSync(join(String(msg.dir), 'clanker-commit-'));
    const root = open({ path: join(dir, 'x.lmdb'), mapSize: 64 * 2 ** 20, maxDbs: 2 });
    const db = root.openDB<{ seq: number; text: string; ts: number }, [string, number]>({ name: 'm', encoding: 'msgpack' });
    const hist = new Histogram();
    try {
      for (let i = 0; i < Number(msg.count); i++) {
        const t0 = performance.now();
        await root.transaction(() => { db.put(['s', i], { seq: i, text: 'a turn of about this size', ts: Date.now() }); });
        hist.record(performance.now() - t0);
      }
    } finally {
      await root.close();
      rmSync(dir, { recursive: true, force: true });
    }
    return { type: 'commits', hist: hist.toJSON() };
  },
}, () => undefined);
