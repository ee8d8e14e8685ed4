// Runs jobs one at a time per key (session) and concurrently across keys; bounded per key.
import { AppError } from '../errors.js';

export class KeyedQueue {
  private readonly tails = new Map<string, { tail: Promise<unknown>; size: number }>();

  constructor(private readonly maxPerKey: number) {}

  get keys(): number {
    return this.tails.size;
  }

  /** Queues `job` after the key's earlier jobs; refuses with `busy` when the key already has maxPerKey waiting. */
  run<T>(key: string, job: () => Promise<T>): Promise<T> {
    const entry = this.tails.get(key) ?? { tail: Promise.resolve(), size: 0 };
    if (entry.size >= this.maxPerKey) return Promise.reject(new AppError('busy', `session ${key} has ${entry.size} messages waiting; try again shortly`));
    entry.size++;
    const result = entry.tail.then(job);
    entry.tail = result.then(() => undefined, () => undefined).then(() => {
      entry.size--;
      if (entry.size === 0 && this.tails.get(key) === entry) this.tails.delete(key);
    });
    this.tails.set(key, entry);
    return result;
  }

  /** Resolves when every queued job has finished, or after `timeoutMs`. */
  async drain(timeoutMs: number): Promise<void> {
    const all = Promise.all([...this.tails.values()].map((e) => e.tail));
    await Promise.race([all, new Promise((r) => setTimeout(r, timeoutMs).unref())]);
  }
}
