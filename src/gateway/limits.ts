// Per-client request rate limits, failed-auth lockouts, and load shedding above the memory limit.
import { AppError } from '../errors.js';

/** Fixed one-minute windows per key; cheap and bounded (old windows are dropped as they pass). */
export class WindowCounter {
  private window = 0;
  private counts = new Map<string, number>();

  constructor(private readonly limit: number, private readonly windowMs = 60_000, private readonly now = Date.now) {}

  /** Counts a hit; returns the seconds until the window resets when the key is over its limit. */
  hit(key: string): number | undefined {
    this.roll();
    const n = (this.counts.get(key) ?? 0) + 1;
    this.counts.set(key, n);
    return n > this.limit ? this.retryAfterSec() : undefined;
  }

  /** True when the key has already passed its limit in this window (without counting a hit). */
  over(key: string): boolean {
    this.roll();
    return (this.counts.get(key) ?? 0) >= this.limit;
  }

  retryAfterSec(): number {
    return Math.max(1, Math.ceil((this.window + this.windowMs - this.now()) / 1000));
  }

  private roll(): void {
    const w = Math.floor(this.now() / this.windowMs) * this.windowMs;
    if (w !== this.window) {
      this.window = w;
      this.counts = new Map();
    }
  }
}

export class RequestLimiter {
  private readonly requests: WindowCounter | undefined;
  /** Failed token attempts per address: 10 per minute, then refused until the window passes. */
  readonly authFailures = new WindowCounter(10);

  constructor(perMinute: number) {
    this.requests = perMinute > 0 ? new WindowCounter(perMinute) : undefined;
  }

  check(remote: string): void {
    if (this.authFailures.over(remote)) {
      throw new AppError('rate_limited', 'too many failed authentication attempts from this address; try again later', this.authFailures.retryAfterSec());
    }
    const retry = this.requests?.hit(remote);
    if (retry !== undefined) throw new AppError('rate_limited', 'rate limit exceeded (server.rate_limit_per_minute)', retry);
  }
}

/** Sheds new work while resident memory is above the limit, instead of waiting to be OOM-killed. */
export class MemoryGuard {
  private over = false;
  private timer: NodeJS.Timeout | undefined;
  rssMb = 0;

  constructor(private readonly limitMb: number, private readonly onChange?: (over: boolean, rssMb: number) => void) {
    if (limitMb > 0) {
      this.timer = setInterval(() => this.sample(), 1000);
      this.timer.unref();
    }
  }

  sample(): void {
    this.rssMb = Math.round(process.memoryUsage.rss() / 1048576);
    const over = this.rssMb > this.limitMb;
    if (over !== this.over) {
      this.over = over;
      this.onChange?.(over, this.rssMb);
    }
  }

  admit(): void {
    if (this.over) throw new AppError('overloaded', `gateway memory ${this.rssMb} MB is above server.max_rss_mb (${this.limitMb}); new work is refused until it drops`, 5);
  }

  close(): void {
    clearInterval(this.timer);
  }
}
