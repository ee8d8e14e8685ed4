// What agent actor tests run on: a real worker pool and supervisor, a fresh LMDB store in a temp dir, the fake Anthropic.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Piscina } from 'piscina';
import { createPool } from '../../src/actors/pool.js';
import { Supervisor } from '../../src/actors/supervisor.js';
import { openDbs, type StoreDbs } from '../../src/store/lmdb.js';
import { startFakeAnthropic } from '../fakes/anthropic.js';
import type { FakeModelServer } from '../fakes/model-fake-core.js';
import { memoryLogger } from './actors.js';

export interface AgentFixture {
  dir: string;
  dbs: StoreDbs;
  fake: FakeModelServer;
  pool: Piscina;
  supervisor: Supervisor;
  /** Stops the actors and the pool, closes the store and the fake, and removes the directory. */
  close(): Promise<void>;
}

export async function startAgentFixture(opts: { threads: number; mapSizeMb: number }): Promise<AgentFixture> {
  const log = memoryLogger();
  const dir = mkdtempSync(join(tmpdir(), 'clanker-agent-'));
  const dbs = openDbs(dir, opts.mapSizeMb);
  const fake = await startFakeAnthropic();
  const pool = createPool(opts.threads, log.logger);
  const supervisor = new Supervisor(pool, log.logger, { level: 'silent', secrets: [] });
  return {
    dir, dbs, fake, pool, supervisor,
    async close() {
      await supervisor.stop(2000);
      await pool.destroy();
      await dbs.root.close();
      await fake.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
