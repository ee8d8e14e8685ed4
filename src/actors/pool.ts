// The piscina pool that hosts the actors (store, agents, channels), configured for long-lived tasks.
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import type { Logger } from '../log/logger.js';

export const WORKER_HOST_URL = new URL('../../workers/host.js', import.meta.url).href;

/** Young generation (nursery) per worker thread, MB: three semi-spaces of 2 MB. */
const WORKER_YOUNG_GENERATION_MB = 6;

/**
 * `workers.threads`, 0 meaning one thread fewer than the cores (at least one): the main thread serves HTTP and
 * WebSocket on a core of its own. On 2 cores one worker measured p99 15-28 ms against 35-85 ms for two at 1,000
 * chat turns/s, ~70 ms sooner to /ready and ~10 MB less idle (bench/RESULTS.md).
 */
export function poolSize(threads: number): number {
  return threads > 0 ? threads : Math.max(1, availableParallelism() - 1);
}

export function createPool(threads: number, logger: Logger): Piscina {
  const size = poolSize(threads);
  const pool = new Piscina({
    filename: WORKER_HOST_URL,
    minThreads: size,
    maxThreads: size,
    // Actors are tasks that never end: without this each would pin a whole worker.
    concurrentTasksPerWorker: 256,
    // 'sync' parks idle workers in Atomics.wait, freezing the timers and ports actors rely on.
    atomics: 'disabled',
    idleTimeout: Infinity,
    maxQueue: 4096,
    // By default each idle worker's young generation had grown to ~17 MB committed with under 2 MB in use;
    // capped, an idle gateway with both channels measured 148 → 131 MB. Actors and agent calls allocate little.
    resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB },
  });
  // With atomics disabled a worker's uncaught error surfaces here; without a listener it would kill the process.
  pool.on('error', (err: unknown) => logger.error({ err }, 'worker thread failed'));
  return pool;
}
