// A worker's decoded turns of recent conversations, so each stored turn is decoded from LMDB once, not on every later turn.
import type { Turn } from '../store/records.js';

/** Where turns come from: their seqs (cheap, keys only) and one turn's record (a decode). */
export interface TurnSource {
  /** Seqs of the newest `limit` turns of a session with seq ≤ maxSeq, oldest first. */
  historySeqs(session: string, limit: number, maxSeq: number): number[];
  turn(session: string, seq: number): Turn | undefined;
}

/** Rough bytes a cached turn costs besides its text. */
const TURN_OVERHEAD = 200;

/**
 * Stored turns never change: seqs are not reused, and reset and trim only delete. So a cached turn is
 * never stale, and the store's keys (read each time) tell which of them still exist. Sessions are evicted
 * least recently used first once the cached text passes `maxBytes`.
 */
export class TurnCache {
  private readonly sessions = new Map<string, Map<number, Turn>>();
  private bytes = 0;

  constructor(private readonly maxBytes = 8 * 2 ** 20) {}

  get size(): number {
    return this.bytes;
  }

  /** Same result as reading the turns from `source`; only turns not seen before are decoded. */
  history(source: TurnSource, session: string, limit: number, maxSeq: number): Turn[] {
    const cached = this.sessions.get(session) ?? new Map<number, Turn>();
    // Re-inserted so that the Map's order is least recently used first.
    this.sessions.delete(session);
    this.sessions.set(session, cached);
    const out: Turn[] = [];
    for (const seq of source.historySeqs(session, limit, maxSeq)) {
      let turn = cached.get(seq);
      if (turn === undefined) {
        turn = source.turn(session, seq);
        if (turn === undefined) continue;
        cached.set(seq, turn);
        this.bytes += turn.text.length * 2 + TURN_OVERHEAD;
      }
      out.push(turn);
    }
    this.evict(session);
    return out;
  }

  clear(): void {
    this.sessions.clear();
    this.bytes = 0;
  }

  private evict(current: string): void {
    for (const [session, turns] of this.sessions) {
      if (this.bytes <= this.maxBytes) return;
      if (session === current && this.sessions.size > 1) continue;
      this.sessions.delete(session);
      for (const turn of turns.values()) this.bytes -= turn.text.length * 2 + TURN_OVERHEAD;
    }
  }
}
