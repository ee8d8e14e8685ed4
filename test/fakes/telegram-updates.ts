/** The fake Telegram's update queue: getUpdates offsets, allowed_updates filtering and the long-poll wait. */
import { BotApiError } from './telegram-wire.js';

export type Update = Record<string, unknown> & { update_id: number };

// Telegram's default (empty allowed_updates) leaves these three out.
const OPT_IN_TYPES = new Set(['chat_member', 'message_reaction', 'message_reaction_count']);

interface Waiter {
  limit: number;
  timer: NodeJS.Timeout;
  settle: (result: Update[] | BotApiError) => void;
}

const updateType = (u: Update): string | undefined => Object.keys(u).find((k) => k !== 'update_id');

export class UpdateQueue {
  private updates: Update[] = [];
  private nextId = 1;
  private allowed: Set<string> | null = null;
  private waiter: Waiter | null = null;
  private flush: NodeJS.Immediate | null = null;

  /** Queues an update, assigning the next update_id unless it has one; returns the id. */
  push(update: Record<string, unknown>): number {
    const given = update.update_id;
    const id = typeof given === 'number' && Number.isInteger(given) ? given : this.nextId;
    this.nextId = Math.max(this.nextId, id + 1);
    this.updates.push({ ...update, update_id: id });
    this.updates.sort((a, b) => a.update_id - b.update_id);
    this.wake();
    return id;
  }

  /** Applies a getUpdates offset: a positive one confirms (drops forever) every earlier update. */
  confirm(offset: number | undefined): void {
    if (offset === undefined || offset === 0) return;
    this.updates = offset > 0 ? this.updates.filter((u) => u.update_id >= offset) : this.updates.slice(offset);
  }

  /** Sets allowed_updates when the call carries it; Telegram keeps the previous setting otherwise. */
  setAllowed(list: unknown): void {
    if (!Array.isArray(list)) return;
    const types = list.filter((t): t is string => typeof t === 'string');
    this.allowed = types.length === 0 ? null : new Set(types);
  }

  /** Up to `limit` deliverable updates; they stay queued until a later offset confirms them. */
  take(limit: number): Update[] {
    return this.updates.filter((u) => this.isAllowed(u)).slice(0, limit);
  }

  pending(): number {
    return this.updates.length;
  }

  clear(): void {
    this.updates = [];
  }

  /** Holds a long poll until an update is deliverable or `timeoutMs` passes; an aborted poll (client gone) just ends. */
  wait(limit: number, timeoutMs: number, signal: AbortSignal): Promise<Update[]> {
    this.endPoll();
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        limit,
        timer: setTimeout(() => waiter.settle(this.take(limit)), timeoutMs),
        settle: (result) => {
          clearTimeout(waiter.timer);
          signal.removeEventListener('abort', onAbort);
          if (this.waiter === waiter) this.waiter = null;
          if (result instanceof BotApiError) reject(result);
          else resolve(result);
        },
      };
      const onAbort = (): void => waiter.settle([]);
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiter = waiter;
    });
  }

  /** Ends the held long poll, if any, with Telegram's 409: a newer getUpdates call has arrived. */
  endPoll(): void {
    this.waiter?.settle(
      new BotApiError(409, 'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running'),
    );
  }

  /** Ends a held long poll with an empty result and drops pending timers. */
  close(): void {
    if (this.flush) clearImmediate(this.flush);
    this.flush = null;
    this.waiter?.settle([]);
  }

  private isAllowed(u: Update): boolean {
    const type = updateType(u);
    if (type === undefined) return false;
    return this.allowed ? this.allowed.has(type) : !OPT_IN_TYPES.has(type);
  }

  // Deferred a turn so updates injected together reach the poller as one batch.
  private wake(): void {
    if (!this.waiter || this.flush) return;
    this.flush = setImmediate(() => {
      this.flush = null;
      const waiter = this.waiter;
      if (!waiter) return;
      const ready = this.take(waiter.limit);
      if (ready.length > 0) waiter.settle(ready);
    });
  }
}
