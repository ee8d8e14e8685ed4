// Retention (storage.session_ttl_days): the persistence actor clears the history of conversations idle past the limit.
import type { Logger } from '../log/logger.js';
import type { StoreDbs } from './lmdb.js';
import { applyOps } from './writes.js';

const DAY_MS = 86_400_000;
/** How often idle conversations are looked for. */
const SWEEP_INTERVAL_MS = 3_600_000;
/** Sessions cleared per transaction, so that a sweep never holds the writer for long. */
const BATCH = 200;
/** Transactions per sweep; the next sweep goes on where this one stopped. */
const MAX_BATCHES = 50;

export interface Expired { sessions: number; turns: number }

/** Clears, in batches, the turns of sessions idle for `ttlDays` and not waiting for an answer. */
export async function expireIdleSessions(dbs: StoreDbs, ttlDays: number, now = Date.now()): Promise<Expired> {
  const total: Expired = { sessions: 0, turns: 0 };
  for (let i = 0; i < MAX_BATCHES; i++) {
    const [result] = await applyOps(dbs, [{ op: 'expire', before: now - ttlDays * DAY_MS, limit: BATCH }]);
    const { sessions, turns } = result as Expired;
    total.sessions += sessions;
    total.turns += turns;
    if (sessions < BATCH) break;
  }
  return total;
}

/** Sweeps now and then hourly; `stop` ends the timer and waits for a sweep in progress. */
export function startExpirySweeps(dbs: StoreDbs, ttlDays: number, logger: Logger): { stop(): Promise<void> } {
  let running: Promise<void> = Promise.resolve();
  const sweep = (): void => {
    running = expireIdleSessions(dbs, ttlDays).then(({ sessions, turns }) => {
      if (sessions > 0) logger.info({ sessions, turns, ttlDays }, 'cleared the history of idle conversations (storage.session_ttl_days)');
    }, (err: unknown) => logger.error({ err }, 'clearing idle conversations failed'));
  };
  sweep();
  const timer = setInterval(sweep, SWEEP_INTERVAL_MS).unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
