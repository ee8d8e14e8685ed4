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
/** Bytes of a session's entry besides its turns: the entry itself, and each seq it knows. */
const ENTRY_OVERHEAD = 200;
const SEQ_BYTES = 8;
/** Decoded turns kept beyond a session's history window before the older ones are dropped (amortizes the pass). */
const PRUNE_SLACK = 64;
/** Sessions dropped from the cache whose last read is remembered (~100 bytes each), so that their next one counts. */
const MAX_GHOSTS = 4096;

interface SessionEntry {
  turns: Map<number, ConversationTurn>;
  /** Seqs known to exist, ascending: the newest ones, `older` more before them. */
  seqs: number[];
  older: number;
  /** How many turns the last history read of this session needed. */
  lastLimit: number | undefined;
  /** The cache's turn count at this session's last turn. */
  usedAt: number;
  /** The oldest seq of the last window read: decoded turns before it are not needed by the next turn. */
  windowStart: number;
}

/** What the cache remembers of a session it dropped. */
interface Ghost { usedAt: number; lastLimit: number | undefined }

/**
 * Stored turns never change: seqs are given out one by one and never reused, and reset and expiry only
 * delete. So a cached turn is never stale, new turns are the seqs after the highest seen up to the session's
 * next seq, and a deletion shows as a turn count lower than the seqs known (then the seqs are read again).
 *
 * A turn reads a session (one or more `history` calls) and ends with `finishRead`. Past `maxBytes`, the session
 * just read pushes out, least recently used first, only sessions idle for more turns than it took to come back
 * itself; if that is not room enough, it is dropped itself. Plain LRU fails a cycle of more active sessions than fit:
 * it evicts each just before its next turn, so every turn decodes its whole history; this keeps those that fit. A
 * dropped session's last turn is remembered, so when it comes back soon it can push out sessions gone quiet.
 */
export class TurnCache {
  private readonly sessions = new Map<string, SessionEntry>();
  private readonly ghosts = new Map<string, Ghost>();
  private bytes = 0;
  private turns = 0;

  constructor(private readonly maxBytes = 8 * 2 ** 20) {}

  /** Bytes counted for cached turns and session entries. */
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
    entry.windowStart = wanted[0] ?? 0;
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
    return out;
  }

  /**
   * Ends a turn's reads of `session`: remembers the history size it needed (the next turn starts there), drops
   * decoded turns well before that window, and makes room if the cache is over its size.
   */
  finishRead(session: string, limit: number): void {
    const entry = this.sessions.get(session);
    if (!entry) return;
    this.turns++;
    // Turns (of any session) since its previous one: how soon it came back (Infinity when it never did).
    const reuse = this.turns - entry.usedAt;
    entry.usedAt = this.turns;
    entry.lastLimit = limit;
    // Re-inserted so that the Map's order is least recently used first.
    this.sessions.delete(session);
    this.sessions.set(session, entry);
    if (entry.turns.size > limit + PRUNE_SLACK) this.pruneBefore(entry, entry.windowStart);
    this.evict(session, entry, reuse);
  }

  /** The history size the last read of this session needed, to start the next read there. */
  lastLimit(session: string): number | undefined {
    return (this.sessions.get(session) ?? this.ghosts.get(session))?.lastLimit;
  }

  clear(): void {
    this.sessions.clear();
    this.ghosts.clear();
    this.bytes = 0;
  }

  private entry(session: string): SessionEntry {
    const known = this.sessions.get(session);
    if (known) return known;
    const ghost = this.ghosts.get(session);
    this.ghosts.delete(session);
    const entry: SessionEntry = {
      turns: new Map(), seqs: [], older: 0, lastLimit: ghost?.lastLimit, usedAt: ghost?.usedAt ?? -Infinity, windowStart: 0,
    };
    this.sessions.set(session, entry);
    this.bytes += ENTRY_OVERHEAD;
    return entry;
  }

  private currentSeqs(source: TurnSource, session: string, entry: SessionEntry): number[] {
    const known = entry.seqs.length;
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
    this.bytes += (entry.seqs.length - known) * SEQ_BYTES;
    return entry.seqs;
  }

  private pruneBefore(entry: SessionEntry, first: number): void {
    for (const [seq, turn] of entry.turns) {
      if (seq >= first) continue;
      entry.turns.delete(seq);
      this.bytes -= turnBytes(turn);
    }
  }

  private evict(current: string, reader: SessionEntry, reuse: number): void {
    for (const [session, entry] of this.sessions) {
      if (this.bytes <= this.maxBytes) return;
      if (entry === reader) continue;
      // Least recently used first: once one had a turn within the reader's own reuse distance, so had all after it.
      if (this.turns - entry.usedAt <= reuse) break;
      this.drop(session, entry);
    }
    if (this.bytes > this.maxBytes) this.drop(current, reader);
  }

  private drop(session: string, entry: SessionEntry): void {
    this.sessions.delete(session);
    for (const turn of entry.turns.values()) this.bytes -= turnBytes(turn);
    this.bytes -= ENTRY_OVERHEAD + entry.seqs.length * SEQ_BYTES;
    this.ghosts.delete(session);
    this.ghosts.set(session, { usedAt: entry.usedAt, lastLimit: entry.lastLimit });
    for (const oldest of this.ghosts.keys()) {
      if (this.ghosts.size <= MAX_GHOSTS) break;
      this.ghosts.delete(oldest);
    }
  }
}
