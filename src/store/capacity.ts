// Enforces storage.map_size_mb: lmdb-js grows its memory map on demand, so the limit is checked before each write.
import type { RootDatabase } from 'lmdb';
import type { StoreOp } from '../actors/messages.js';
import { AppError } from '../errors.js';

/** Room kept for the B-tree pages a transaction copies on write, on top of the data itself. */
const PAGE_OVERHEAD_BYTES = 64 * 1024;

/** Ops that add data; the others only update or remove small records and stay allowed when full (so it can drain). */
const GROWING = new Set<StoreOp['op']>(['user', 'answer', 'pairing.create', 'allow.add']);

/** Bytes of the database file up to its highest used page (freed pages are reused, but never shrink it). */
export function usedBytes(root: RootDatabase): number {
  const stats = root.getStats() as { pageSize?: number; lastPageNumber?: number };
  return ((stats.lastPageNumber ?? 0) + 1) * (stats.pageSize ?? 4096);
}

/** A generous upper bound of what `ops` add: their encoded size twice (record and index copies) plus page overhead. */
export function estimateWriteBytes(ops: readonly StoreOp[]): number {
  return 2 * Buffer.byteLength(JSON.stringify(ops)) + PAGE_OVERHEAD_BYTES;
}

/** Admitted writes between two readings of the stats at most, bounding how far the estimates can drift. */
const READ_EVERY_WRITES = 256;
const MB = 1024 * 1024;

/**
 * Enforces the limit without reading the store's stats on every write (getStats was ~6% of the store
 * actor's time): between readings the file can only have grown by what was admitted since (every write,
 * deletions too: LMDB copies each page it changes) plus what was still in flight at the reading. So the
 * stats are read again near the limit, and every READ_EVERY_WRITES writes so that estimates cannot drift far.
 */
export class RoomGuard {
  private usedAtReading = -1;
  private sinceReading = 0;
  private writesSinceReading = 0;
  private inFlight = 0;
  /** Once a write was refused, growing writes need 5% of the limit (at least 1 MB) more room, so that the store does not flap between full
   * and not full while concurrent writes come and go (each flip is logged and seen by users). */
  private refusing = false;

  /** `onChange` is told when the store turns full (with the refusal) and when it has room again (undefined). */
  constructor(private readonly root: RootDatabase, private readonly limitBytes: number, private readonly onChange?: (refusal: AppError | undefined) => void) {}

  /**
   * Throws `storage_full` (nothing written) when growing ops could take the store past the limit; ops that
   * only update or remove stay allowed, so a full store can drain. Returns the bytes reserved: pass them to
   * `settled` once the write committed or failed.
   */
  admit(ops: readonly StoreOp[]): number {
    const growing = ops.some((op) => GROWING.has(op.op));
    const need = estimateWriteBytes(ops);
    if (this.usedAtReading < 0 || this.writesSinceReading >= READ_EVERY_WRITES || this.usedAtReading + this.sinceReading + need > this.limitBytes) {
      this.usedAtReading = usedBytes(this.root);
      this.sinceReading = this.inFlight;
      this.writesSinceReading = 0;
    }
    const room = this.refusing ? this.limitBytes - Math.max(MB, this.limitBytes / 20) : this.limitBytes;
    if (growing && this.usedAtReading + this.sinceReading + need > room) {
      const refusal = new AppError('storage_full', `the message store is full (${Math.round(this.usedAtReading / MB)} of ${Math.round(this.limitBytes / MB)} MB); nothing was written (raise storage.map_size_mb)`);
      this.markFull(refusal);
      throw refusal;
    }
    if (growing && this.refusing) {
      this.refusing = false;
      this.onChange?.(undefined);
    }
    this.sinceReading += need;
    this.writesSinceReading++;
    this.inFlight += need;
    return need;
  }

  settled(reserved: number): void {
    this.inFlight -= reserved;
  }

  /** The store refused a write (this guard, or LMDB's own map-full error): growing writes need more room now. */
  markFull(refusal: AppError): void {
    if (this.refusing) return;
    this.refusing = true;
    this.onChange?.(refusal);
  }
}
