// Retention (storage.session_ttl_days): the persistence actor clears the history of conversations idle past the limit.
import type { StoreOp, StoreOpResult } from '../actors/messages.js';
import type { Logger } from '../log/logger.js';

const DAY_MS = 86_400_000;
/** How often idle conversations are looked for. */
const SWEEP_INTERVAL_MS = 3_600_000;
/** Session records examined per transaction, so that a sweep holds the writer for a few milliseconds at a time. */
const SCAN = 1000;
/** Transactions per sweep at most (a million sessions); the next sweep starts over. */
const MAX_BATCHES = 1000;

export interface Expired { sessions: number; turns: number }
type Write = (ops: StoreOp[]) => Promise<StoreOpResult[]>;

/** Walks every session in batches, clearing those idle for `ttlDays` and not waiting for an answer. */
export async function expireIdleSessions(write: Write, ttlDays: number, now = Date.now(), stopping = (): boolean => false): Promise<Expired> {
  const total: Expired = { sessions: 0, turns: 0 };
  let after: string | undefined;
  for (let i = 0; i < MAX_BATCHES && !stopping(); i++) {
    const [result] = await write([{ op: 'expire', before: now - ttlDays * DAY_MS, scan: SCAN, ...(after === undefined ? {} : { after }) }]);
    const { sessions, turns, next } = result as Expired & { next?: string };
    total.sessions += sessions;
    total.turns += turns;
    if (next === undefined) break;
    after = next;
  }
  return total;
}

/** Sweeps now and then hourly, one sweep at a time; `stop` ends the timer and the sweep in progress. */
export function startExpirySweeps(write: Write, ttlDays: number, logger: Logger): { stop(): Promise<void> } {
  let running: Promise<void> | undefined;
  let stopped = false;
  const sweep = (): void => {
    if (running !== undefined || stopped) return;
    running = expireIdleSessions(write, ttlDays, Date.now(), () => stopped).then(({ sessions, turns }) => {
      if (sessions > 0) logger.info({ sessions, turns, ttlDays }, 'cleared the history of idle conversations (storage.session_ttl_days)');
    }, (err: unknown) => logger.error({ err }, 'clearing idle conversations failed')).finally(() => { running = undefined; });
  };
  sweep();
  const timer = setInterval(sweep, SWEEP_INTERVAL_MS).unref();
  return {
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
