// Read access to the store from any thread: sessions, history, pending turns, offsets, pairing and usage.
import type { StoreDbs } from './lmdb.js';
import { MAX_SEQ, utcDay, type PairingRecord, type PendingRecord, type SessionRecord, type Turn, type Usage } from './records.js';

const ZERO: Usage = { input: 0, output: 0 };

export class StoreReader {
  constructor(readonly dbs: StoreDbs) {}

  /**
   * Moves reads to the newest committed snapshot. Needed right after another thread's write was acknowledged:
   * lmdb-js renews its read transaction only once per event turn, so a read in the same turn can miss the write.
   */
  latest(): this {
    this.dbs.root.resetReadTxn();
    return this;
  }

  session(id: string): SessionRecord | undefined {
    return this.dbs.sessions.get(id);
  }

  sessions(limit = 1000): SessionRecord[] {
    return [...this.dbs.sessions.getRange({ limit })].map((e) => e.value);
  }

  /** The newest `limit` turns of a session (with seq ≤ maxSeq), oldest first. */
  history(session: string, limit = 50, maxSeq = MAX_SEQ): Turn[] {
    const turns = [...this.dbs.messages.getRange({ start: [session, maxSeq], end: [session, -1], reverse: true, limit })].map((e) => e.value);
    return turns.reverse();
  }

  /** Seqs of the newest `limit` turns of a session with seq ≤ maxSeq, oldest first: keys only, no record is decoded. */
  historySeqs(session: string, limit: number, maxSeq = MAX_SEQ): number[] {
    const seqs = [...this.dbs.messages.getKeys({ start: [session, maxSeq], end: [session, -1], reverse: true, limit })].map((k) => k[1]);
    return seqs.reverse();
  }

  /** The newest `limit` turns with a seq up to and including `seq`, oldest first. */
  historyUpTo(session: string, seq: number, limit: number): Turn[] {
    return this.history(session, limit, seq);
  }

  /** Turns stored after `seq`, oldest first, at most `limit`. */
  turnsAfter(session: string, seq: number, limit: number): Turn[] {
    return [...this.dbs.messages.getRange({ start: [session, seq + 1], end: [session, MAX_SEQ], limit })].map((e) => e.value);
  }

  turn(session: string, seq: number): Turn | undefined {
    return this.dbs.messages.get([session, seq]);
  }

  /** Every accepted user turn not yet answered and delivered, oldest first per session. */
  pending(): PendingRecord[] {
    return [...this.dbs.pending.getRange({})].map((e) => e.value);
  }

  /** The pending record of one turn, if it is still unanswered or undelivered. */
  pendingTurn(session: string, seq: number): PendingRecord | undefined {
    return this.dbs.pending.get([session, seq]);
  }

  offset(key: string): number | undefined {
    const value = this.dbs.offsets.get(key);
    return typeof value === 'number' ? value : undefined;
  }

  /** String offsets whose key starts with `prefix` (Discord: the last message taken per channel). */
  cursors(prefix: string): Array<{ key: string; value: string }> {
    return [...this.dbs.offsets.getRange({ start: prefix, end: `${prefix}\uffff` })]
      .flatMap(({ key, value }) => (typeof value === 'string' ? [{ key, value }] : []));
  }

  isAllowed(channel: string, userId: string): boolean {
    return this.dbs.allow.get([channel, userId]) !== undefined;
  }

  /** Unexpired pairing codes of a channel. */
  pairings(channel: string, now = Date.now()): PairingRecord[] {
    return [...this.dbs.pairing.getRange({ start: [channel, ''], end: [channel, '\uffff'] })].map((e) => e.value).filter((p) => p.expiresAt >= now);
  }

  usageTotal(): Usage {
    return this.dbs.usage.get(['total']) ?? ZERO;
  }

  usageDay(ts = Date.now()): Usage {
    return this.dbs.usage.get(['day', utcDay(ts)]) ?? ZERO;
  }

  usageSessionDay(session: string, ts = Date.now()): Usage {
    return this.dbs.usage.get(['session', session, utcDay(ts)]) ?? ZERO;
  }
}
