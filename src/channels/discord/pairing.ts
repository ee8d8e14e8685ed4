// Pairing strangers who DM the bot: one code per user, a bounded number per channel, written through the store actor.
import type { StoreOp } from '../../actors/messages.js';
import type { StoreReader } from '../../store/store.js';
import { MAX_PENDING_PAIRINGS, PAIRING_TTL_MS, newPairingCode, pairingReply } from '../access.js';

/** A stranger who keeps writing is answered at most this often (each answer is a REST call). */
export const PAIRING_REPLY_EVERY_MS = 60_000;
export const PAIRING_FULL_TEXT = 'Too many people are waiting for approval right now; please try again later.';

export interface Stranger { id: string; username?: string }

export class Pairing {
  private chain: Promise<unknown> = Promise.resolve();
  private readonly lastReply = new Map<string, number>();

  constructor(
    private readonly channel: string,
    private readonly reader: StoreReader,
    private readonly write: (ops: StoreOp[]) => Promise<unknown>,
    private readonly now: () => number = Date.now,
    private readonly rand?: (max: number) => number,
  ) {}

  /**
   * The reply for a stranger: their pending code (created on first contact), or a "try later" when the
   * channel has too many pending; undefined when they were answered less than a minute ago.
   */
  request(user: Stranger): Promise<string | undefined> {
    // One at a time, so two quick messages from one stranger do not create two codes.
    const next = this.chain.then(() => this.handle(user));
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async handle(user: Stranger): Promise<string | undefined> {
    const now = this.now();
    const last = this.lastReply.get(user.id);
    if (last !== undefined && now - last < PAIRING_REPLY_EVERY_MS) return undefined;
    const pending = this.reader.pairings(this.channel, now);
    const mine = pending.find((p) => p.userId === user.id);
    let text: string;
    if (mine) text = pairingReply(this.channel, mine.code);
    else if (pending.length >= MAX_PENDING_PAIRINGS) text = PAIRING_FULL_TEXT;
    else {
      const code = newPairingCode(this.rand);
      await this.write([{
        op: 'pairing.create', channel: this.channel, code, userId: user.id, expiresAt: now + PAIRING_TTL_MS,
        ...(user.username ? { username: user.username } : {}),
      }]);
      text = pairingReply(this.channel, code);
    }
    this.remember(user.id, now);
    return text;
  }

  private remember(userId: string, now: number): void {
    if (this.lastReply.size >= 1000) {
      for (const [id, at] of this.lastReply) if (now - at >= PAIRING_REPLY_EVERY_MS) this.lastReply.delete(id);
    }
    this.lastReply.set(userId, now);
  }
}
