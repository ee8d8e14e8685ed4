// Main-thread access to the store: reads straight from LMDB, writes through the persistence actor.
import type { ActorRef } from '../actors/supervisor.js';
import { StoreWriteReply, type InboundMessage, type StoreOp, type StoreOpResult } from '../actors/messages.js';
import type { StoreReader } from './store.js';
import type { Usage } from './records.js';

export class StoreClient {
  constructor(readonly read: StoreReader, private readonly writer: ActorRef) {}

  /** Commits the ops in one transaction; resolves with their results once on disk. */
  async write(ops: StoreOp[]): Promise<StoreOpResult[]> {
    const res = await this.writer.request('store.write', { ops }, { timeoutMs: 15_000, reply: StoreWriteReply }) as StoreWriteReply;
    this.read.latest(); // what follows in this turn must see the write just acknowledged
    return res.results;
  }

  async appendUser(message: InboundMessage, ts = Date.now()): Promise<{ seq: number; duplicate: boolean }> {
    const [r] = await this.write([{ op: 'user', message, ts }]);
    const res = r as { seq: number; duplicate?: boolean };
    return { seq: res.seq, duplicate: res.duplicate === true };
  }

  /** Stores an answer; with `delivered`, also closes the turn in the same transaction (no separate delivery step). */
  async appendAnswer(a: { session: string; replyTo: number; text: string; usage: Usage; provider: string; model: string }, ts = Date.now(), delivered = false): Promise<number> {
    const [r] = await this.write([{ op: 'answer', ...a, ts }, ...(delivered ? [{ op: 'delivered' as const, session: a.session, seq: a.replyTo }] : [])]);
    return (r as { seq: number }).seq;
  }

  async delivered(session: string, seq: number): Promise<void> {
    await this.write([{ op: 'delivered', session, seq }]);
  }

  async reset(session: string): Promise<void> {
    await this.write([{ op: 'reset', session }]);
  }
}
