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

/** Throws `storage_full` (nothing written) when growing ops would take the store past `limitBytes`. */
export function assertRoom(root: RootDatabase, ops: readonly StoreOp[], limitBytes: number): void {
  if (!ops.some((op) => GROWING.has(op.op))) return;
  const used = usedBytes(root);
  const need = estimateWriteBytes(ops);
  if (used + need > limitBytes) {
    throw new AppError('storage_full', `the message store is full (${Math.round(used / 1048576)} of ${Math.round(limitBytes / 1048576)} MB); nothing was written (raise storage.map_size_mb)`);
  }
}
