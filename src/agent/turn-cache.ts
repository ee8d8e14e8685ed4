// A worker's decoded turns and seq lists of recent conversations, so a turn reads only what is new since the last one.
import type { Turn } from '../store/records.js';
import type { ConversationTurn } from './history.js';

/** Where turns come from: keys (cheap), one turn's record (a decode) and the session's turn count and next seq. */
export interface TurnSource {
  /** Seqs of the newest `limit` turns of a session with seq ≤ maxSeq, oldest first. */
  historySeqs(session: string, limit: number, maxSeq: number): number[];
  /** The session's record: how many turns it holds and the seq its next turn gets. */
  session(session: string): { turns: number; nextSeq: number } | undefined;
  turn(session: string, seq: number): Turn | undefined;
}

/** Bytes a cached turn costs besides its text: ~90 measured on Node 20 (object, number fields, Map entry). */
const TURN_OVERHEAD = 100;
const turnBytes = (turn: ConversationTurn): number => turn.text.length * 2 + TURN_OVERHEAD;

/**
 * Only what a history read uses: a decoded record also holds its sender, usage, model and ids, which made a cached
 * turn ~500 bytes instead of ~140 for a short text. The role is one of two shared strings, not one per record.
 */
function slim(turn: Turn): ConversationTurn {
  const role = turn.role === 'user' ? 'user' : 'assistant';
  return turn.replyTo === undefined ? { seq: turn.seq, role, text: turn.text } : { seq: turn.seq, role, text: turn.text, replyTo: turn.replyTo };
}
/** Newest seqs kept per session: more than any history read asks for (turnsToRead caps at 2000). */
const MAX_SEQS = 4096;

interface SessionEntry {
  turns: Map<number, ConversationTurn>;
  /** Seqs known to exist, ascending: the newest ones, `older` more before them. */
  seqs: number[];
  older: number;
  /** How many turns the last history read of this session needed. */
  lastLimit: number | undefined;
  /** The cache's read count at this session's last read. */
  usedAt: number;
  /** Reads between its last two reads: how soon it comes back (Infinity before its second read). */
  reuse: number;
}

/**
 * Stored turns never change: seqs are given out one by one and never reused, and reset and expiry only
 * delete. So a cached turn is never stale, new turns are the seqs after the highest seen up to the session's
 * next seq, and a deletion shows as a turn count lower than the seqs known (then the seqs are read again).
 * Past `maxBytes` of cached text, the session just read pushes out, least recently used first, only sessions idle for
 * longer than it took to come back itself; if that is not enough room, it gives back its own decoded turns. Plain LRU
 * would fail a cycle of more active sessions than fit by evicting each just before its next turn (a full decode every
 * turn); this keeps those that fit, and a session read for the first time is cached only if there is room.
 */
export class TurnCache {
  private readonly sessions = new Map<string, SessionEntry>();
  private bytes = 0;
  private reads = 0;

  constructor(private readonly maxBytes = 8 * 2 ** 20) {}

  get size(): number {
    return this.bytes;
  }

  /** The newest `limit` turns up to `maxSeq` in `source`, as conversation turns; only new turns are decoded. */
  history(source: TurnSource, session: string, limit: number, maxSeq: number): ConversationTurn[] {
    const entry = this.entry(session);
    const seqs = this.currentSeqs(source, session, entry);
    let end = seqs.length;
    while (end > 0 && (seqs[end - 1] as number) > maxSeq) end--;
    const wanted = end >= limit || entry.older === 0 ? seqs.slice(Math.max(0, end - limit), end) : source.historySeqs(session, limit, maxSeq);
    const out: ConversationTurn[] = [];
    for (const seq of wanted) {
      let turn = entry.turns.get(seq);
      if (turn === undefined) {
        const stored = source.turn(session, seq);
        if (stored === undefined) continue;
        turn = slim(stored);
        entry.turns.set(seq, turn);
        this.bytes += turnBytes(turn);
      }
      out.push(turn);
    }
    this.evict(session);
    return out;
  }

  /** The history size the last read of this session needed, to start the next read there. */
  lastLimit(session: string): number | undefined {
    return this.sessions.get(session)?.lastLimit;
  }

  rememberLimit(session: string, limit: number): void {
    const entry = this.sessions.get(session);
    if (entry) entry.lastLimit = limit;
  }

  clear(): void {
    this.sessions.clear();
    this.bytes = 0;
  }

  private entry(session: string): SessionEntry {
    const entry = this.sessions.get(session) ?? { turns: new Map<number, ConversationTurn>(), seqs: [], older: 0, lastLimit: undefined, usedAt: -Infinity, reuse: Infinity };
    this.reads++;
    entry.reuse = this.reads - entry.usedAt;
    entry.usedAt = this.reads;
    // Re-inserted so that the Map's order is least recently used first.
    this.sessions.delete(session);
    this.sessions.set(session, entry);
    return entry;
  }

  private currentSeqs(source: TurnSource, session: string, entry: SessionEntry): number[] {
    const record = source.session(session) ?? { turns: 0, nextSeq: 0 };
    const last = entry.seqs.at(-1);
    if (last === undefined) {
      entry.seqs = source.historySeqs(session, MAX_SEQS, Number.MAX_SAFE_INTEGER);
    } else if (record.nextSeq > last && entry.seqs.length + entry.older + (record.nextSeq - 1 - last) === record.turns) {
      // Seqs are given out one by one and the count says nothing was deleted: the new turns are the next seqs.
      for (let seq = last + 1; seq < record.nextSeq; seq++) entry.seqs.push(seq);
    } else {
      // Turns were deleted (reset, expiry): read the seqs again and forget decoded turns that are gone.
      entry.seqs = source.historySeqs(session, MAX_SEQS, Number.MAX_SAFE_INTEGER);
      const kept = new Set(entry.seqs);
      for (const [seq, turn] of entry.turns) {
        if (kept.has(seq)) continue;
        entry.turns.delete(seq);
        this.bytes -= turnBytes(turn);
      }
    }
    if (entry.seqs.length > MAX_SEQS) entry.seqs.splice(0, entry.seqs.length - MAX_SEQS);
    entry.older = Math.max(0, record.turns - entry.seqs.length);
    return entry.seqs;
  }

  private evict(current: string): void {
    const reader = this.sessions.get(current);
    if (this.bytes <= this.maxBytes || !reader) return;
    for (const [session, entry] of this.sessions) {
      if (this.bytes <= this.maxBytes) return;
      if (session === current) continue;
      // Least recently used first: once one was read within the reader's own reuse distance, so were all after it.
      if (this.reads - entry.usedAt <= reader.reuse) break;
      this.drop(session, entry);
    }
    // Its seqs and history size stay: the next read decodes its turns again, but in one read of the right size.
    if (this.bytes > this.maxBytes) this.forgetTurns(reader);
  }

  private drop(session: string, entry: SessionEntry): void {
    this.sessions.delete(session);
    this.forgetTurns(entry);
  }

  private forgetTurns(entry: SessionEntry): void {
    for (const turn of entry.turns.values()) this.bytes -= turnBytes(turn);
    entry.turns.clear();
  }
}
