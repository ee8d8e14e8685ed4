// Runs jobs one at a time per key (session) and concurrently across keys; bounded per key.
import { AppError } from '../errors.js';
import { waitAtMost } from '../wait.js';

interface Entry { tail: Promise<unknown>; size: number }

/** A claimed place in a key's queue: give it a job, or release it. */
export interface QueueSlot {
  run<T>(job: () => Promise<T>): Promise<T>;
  release(): void;
}

export class KeyedQueue {
  private readonly tails = new Map<string, Entry>();

  constructor(private readonly maxPerKey: number) {}

  get keys(): number {
    return this.tails.size;
  }

  /** Claims a place before any work is done for it, so a refusal never leaves work half-done; `busy` when full. */
  reserve(key: string): QueueSlot {
    const entry = this.tails.get(key) ?? { tail: Promise.resolve(), size: 0 };
    if (entry.size >= this.maxPerKey) throw new AppError('busy', `session ${key} has ${entry.size} messages waiting; try again shortly`);
    entry.size++;
    this.tails.set(key, entry);
    const done = (): void => {
      entry.size--;
      if (entry.size === 0 && this.tails.get(key) === entry) this.tails.delete(key);
    };
    return {
      run: <T>(job: () => Promise<T>): Promise<T> => {
        const result = entry.tail.then(job);
        entry.tail = result.then(done, done);
        return result;
      },
      release: done,
    };
  }

  /** Queues `job` after the key's earlier jobs; refuses with `busy` when the key already has maxPerKey waiting. */
  run<T>(key: string, job: () => Promise<T>): Promise<T> {
    try {
      return this.reserve(key).run(job);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Resolves when every queued job has finished, or after `timeoutMs`. */
  async drain(timeoutMs: number): Promise<void> {
    const all = Promise.all([...this.tails.values()].map((e) => e.tail));
    await waitAtMost(all, timeoutMs);
  }
}
