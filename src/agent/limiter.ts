// Main-thread bound on model calls in flight: up to `max` run at once, up to `queueMax` wait, the rest are refused as busy.
import { AppError } from '../errors.js';

export class ConcurrencyLimiter {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly max: number, readonly queueMax: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`max must be a positive integer, got ${max}`);
    if (!Number.isInteger(queueMax) || queueMax < 0) throw new RangeError(`queueMax must be a non-negative integer, got ${queueMax}`);
  }

  get active(): number {
    return this.running;
  }

  get queued(): number {
    return this.waiting.length;
  }

  /** Runs `fn` when a slot is free; rejects at once with `busy` when the queue is full. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.running >= this.max) {
      if (this.waiting.length >= this.queueMax) {
        throw new AppError('busy', `the model is busy (${this.running} calls running, ${this.waiting.length} waiting); try again shortly`);
      }
      // The slot is handed over by release(), so `running` already counts this call when it wakes.
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running++;
    }
    try {
      return await fn();
    } finally {
      this.release();
    }
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running--;
  }
}
