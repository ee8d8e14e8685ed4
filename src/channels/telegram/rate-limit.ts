// Per-user message rate limit over a sliding minute: over the limit, one polite notice, then silence until it frees up.

export type RateVerdict = 'ok' | 'notice' | 'drop';

const WINDOW_MS = 60_000;
/** Above this many tracked users, idle ones are forgotten. */
const PRUNE_ABOVE = 10_000;

export class RateLimiter {
  private readonly users = new Map<string, { times: number[]; noticed: boolean }>();

  constructor(private readonly perMinute: number, private readonly now: () => number = Date.now) {}

  /** Counts one message from `user`; `notice` the first time it is over the limit, `drop` after that. */
  check(user: string): RateVerdict {
    if (this.perMinute <= 0) return 'ok';
    const now = this.now();
    const entry = this.users.get(user) ?? { times: [], noticed: false };
    entry.times = entry.times.filter((t) => t > now - WINDOW_MS);
    this.users.set(user, entry);
    if (this.users.size > PRUNE_ABOVE) this.prune(now);
    if (entry.times.length < this.perMinute) {
      entry.times.push(now);
      entry.noticed = false;
      return 'ok';
    }
    if (entry.noticed) return 'drop';
    entry.noticed = true;
    return 'notice';
  }

  private prune(now: number): void {
    for (const [user, entry] of this.users) {
      if (entry.times.every((t) => t <= now - WINDOW_MS)) this.users.delete(user);
    }
  }
}

export const RATE_NOTICE = "You're sending messages faster than I can keep up with. Please wait a minute; I'll skip messages until then.";
