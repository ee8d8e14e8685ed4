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

/**
 * Enforces the limit without reading the store's stats on every write (getStats was a tenth of the store
 * actor's time): the file cannot have grown by more than the estimates of the writes admitted since the
 * last reading, so the stats are read again only when that upper bound comes near the limit.
 */
export class RoomGuard {
  private usedAtReading = -1;
  private admittedSince = 0;

  constructor(private readonly root: RootDatabase, private readonly limitBytes: number) {}

  /** Throws `storage_full` (nothing written) when growing ops could take the store past the limit. */
  admit(ops: readonly StoreOp[]): void {
    if (!ops.some((op) => GROWING.has(op.op))) return;
    const need = estimateWriteBytes(ops);
    if (this.usedAtReading < 0 || this.usedAtReading + this.admittedSince + need > this.limitBytes) {
      this.usedAtReading = usedBytes(this.root);
      this.admittedSince = 0;
    }
    if (this.usedAtReading + need > this.limitBytes) {
      throw new AppError('storage_full', `the message store is full (${Math.round(this.usedAtReading / 1048576)} of ${Math.round(this.limitBytes / 1048576)} MB); nothing was written (raise storage.map_size_mb)`);
    }
    this.admittedSince += need;
  }
}
