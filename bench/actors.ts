// Benchmark: main↔actor round trips (latency p50/p99, messages/s) through a real pool, Supervisor and Mailbox,
// and store writes through the persistence actor. Run: npx tsc && node dist/bench/actors.js
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPool } from '../src/actors/pool.js';
import { Supervisor, type ActorRef } from '../src/actors/supervisor.js';
import { createLogger } from '../src/log/logger.js';
import { StoreClient } from '../src/store/client.js';
import { openDbs } from '../src/store/lmdb.js';
import { StoreReader } from '../src/store/store.js';

const ECHO = new URL('../test/helpers/test-actors/echo.js', import.meta.url).href;
const PERSISTENCE = new URL('../src/store/persistence-actor.js', import.meta.url).href;
const RESULTS = fileURLToPath(new URL('../../bench/results/actors.json', import.meta.url));
/** Each scenario stops at its count or after this long, whichever comes first. */
const MAX_MS = 5000;

interface Row { scenario: string; ops: number; seconds: number; opsPerSec: number; p50Ms: number; p99Ms: number; maxMs: number }

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
}

/**
 * Runs `op` `count` times (bounded by MAX_MS) with `inFlight` calls outstanding at once; latency is per
 * call, from send to answer, so with many in flight it includes the wait behind the others.
 */
async function measure(scenario: string, count: number, inFlight: number, op: (i: number) => Promise<unknown>): Promise<Row> {
  const latencies = new Float64Array(count);
  let next = 0;
  let done = 0;
  const started = process.hrtime.bigint();
  const deadline = Date.now() + MAX_MS;
  const lane = async (): Promise<void> => {
    while (next < count && Date.now() < deadline) {
      const i = next++;
      const t0 = process.hrtime.bigint();
      await op(i);
      latencies[i] = Number(process.hrtime.bigint() - t0) / 1e6;
      done++;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const sorted = latencies.slice(0, done).sort();
  return {
    scenario, ops: done, seconds: Number(seconds.toFixed(3)), opsPerSec: Math.round(done / seconds),
    p50Ms: Number(percentile(sorted, 0.5).toFixed(3)), p99Ms: Number(percentile(sorted, 0.99).toFixed(3)), maxMs: Number((sorted.at(-1) ?? 0).toFixed(3)),
  };
}

function table(rows: Row[]): string {
  const head = ['scenario', 'ops', 'seconds', 'ops/s', 'p50 ms', 'p99 ms', 'max ms'];
  const body = rows.map((r) => [r.scenario, String(r.ops), r.seconds.toFixed(2), String(r.opsPerSec), r.p50Ms.toFixed(3), r.p99Ms.toFixed(3), r.maxMs.toFixed(3)]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

async function main(): Promise<void> {
  const logger = createLogger({ level: 'warn', secrets: [] });
  const threads = 2;
  const pool = createPool(threads, logger);
  const supervisor = new Supervisor(pool, logger, { level: 'warn', secrets: [] });
  const dataDir = mkdtempSync(join(tmpdir(), 'clanker-bench-'));
  const dbs = openDbs(dataDir, 1024);
  try {
    const echo: ActorRef = supervisor.start({ name: 'echo', module: ECHO, options: {}, capacity: 1024 });
    const storeRef = supervisor.start({ name: 'store', module: PERSISTENCE, options: { dataDir, mapSizeMb: 1024, sessionTtlDays: 0 }, capacity: 4096 });
    await Promise.all([echo.whenUp(30_000), storeRef.whenUp(30_000)]);
    const store = new StoreClient(new StoreReader(dbs), storeRef);
    const ping = () => echo.request('test.echo', { text: 'ping' });
    const write = (session: string) => (i: number) => store.write([{
      op: 'user', ts: Date.now(),
      message: { channel: 'bench', to: session, session, sender: { id: 'b' }, text: `message ${i}`, externalId: `${session}-${i}` },
    }]);

    await measure('warm-up', 2000, 16, ping);
    const rows = [
      await measure('echo round trip, 1 in flight', 20_000, 1, ping),
      await measure('echo round trip, 64 in flight', 200_000, 64, ping),
      await measure('echo round trip, 512 in flight', 400_000, 512, ping),
      await measure('store write (1 user turn), 1 in flight', 5000, 1, write('bench:serial')),
      await measure('store write (1 user turn), 64 in flight', 50_000, 64, write('bench:parallel')),
    ];
    const env = {
      command: 'npx tsc && node dist/bench/actors.js',
      node: process.version, cores: availableParallelism(), cpu: cpus()[0]?.model ?? 'unknown',
      loadavg1m: Number((loadavg()[0] ?? 0).toFixed(2)), poolThreads: threads, date: new Date().toISOString(),
    };
    process.stdout.write(`$ ${env.command}\nNode ${env.node}, ${env.cores} cores (${env.cpu}), load average ${env.loadavg1m}, pool of ${threads} threads\n\n${table(rows)}\n`);
    mkdirSync(join(RESULTS, '..'), { recursive: true });
    writeFileSync(RESULTS, `${JSON.stringify({ env, rows }, null, 2)}\n`);
    process.stdout.write(`\nresults: ${RESULTS}\n`);
  } finally {
    await supervisor.stop(2000);
    await pool.destroy();
    await dbs.root.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
