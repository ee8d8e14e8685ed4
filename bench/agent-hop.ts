// `node dist/bench/agent-hop.js [CALLS]`: what reaching a worker costs per agent call, two ways, with a worker that
// does nothing: a piscina task with a new MessageChannel per call (how agent calls ran until 2026-11-26: the port
// was moved into the task, carried the deltas, and its close was awaited) against a request on a long-lived actor port
// (a bare port: a real agent actor's Mailbox adds its envelope checks to both, so this is the hops' cost alone).
import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { round } from './lib/stats.js';

const calls = Number(process.argv[2] ?? 20_000);
const pool = new Piscina({
  filename: new URL('./agent-hop-worker.js', import.meta.url).href,
  minThreads: 1, maxThreads: 1, concurrentTasksPerWorker: 256, atomics: 'disabled', idleTimeout: Infinity,
});

async function viaTask(): Promise<void> {
  const { port1, port2 } = new MessageChannel();
  port1.on('message', () => undefined);
  const closed = new Promise<void>((resolve) => port1.once('close', () => resolve()));
  await pool.run({ port: port2 }, { transferList: [port2] });
  await closed;
}

const actorChannel = new MessageChannel();
const waiting = new Map<number, () => void>();
let nextId = 0;
actorChannel.port1.on('message', (m: { id: number; result?: unknown }) => {
  if (m.result !== undefined) waiting.get(m.id)?.();
});
void pool.run({ port: actorChannel.port2, actor: true }, { transferList: [actorChannel.port2] }).catch(() => undefined);

function viaActor(): Promise<void> {
  const id = ++nextId;
  return new Promise<void>((resolve) => {
    waiting.set(id, () => {
      waiting.delete(id);
      resolve();
    });
    actorChannel.port1.postMessage({ id });
  });
}

const ways: Array<[string, () => Promise<void>]> = [['piscina task + new MessageChannel', viaTask], ['request on a long-lived actor port', viaActor]];
console.log(`${calls.toLocaleString('en-US')} sequential calls each, twice, alternating, after a warm-up; Node ${process.version}`);
// The worker boots and both paths compile before anything is timed.
for (let i = 0; i < 1000; i++) for (const [, call] of ways) await call();
for (let round_ = 0; round_ < 2; round_++) {
  for (const [name, call] of ways) {
    const cpu = process.cpuUsage();
    const started = performance.now();
    for (let i = 0; i < calls; i++) await call();
    const wallUs = ((performance.now() - started) * 1000) / calls;
    const used = process.cpuUsage(cpu);
    // process.cpuUsage counts every thread of the process: the worker's side of each call too.
    console.log(`${name}: ${round(wallUs)} µs per call, process CPU (all threads) ${round((used.user + used.system) / calls)} µs per call`);
  }
}
actorChannel.port1.close();
await pool.destroy().catch(() => undefined);
