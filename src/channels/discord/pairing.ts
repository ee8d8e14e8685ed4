// Strangers who DM the bot: pairing (access.ts plans reuse, create or full; this writes through the store actor and paces replies) or a one-time refusal.
import type { StoreOp } from '../../actors/messages.js';
import type { StoreReader } from '../../store/store.js';
import { PAIRING_FULL_REPLY, REFUSAL_REPLY, pairingReply, planPairing } from '../access.js';

/** A stranger who keeps writing is answered at most this often (each answer is a REST call). */
export const PAIRING_REPLY_EVERY_MS = 60_000;

/** Who asked, and the DM channel they asked in (told there once approved). */
export interface Stranger { id: string; username?: string; chat?: string }

export class Pairing {
  private chain: Promise<unknown> = Promise.resolve();
  private readonly lastReply = new Map<string, number>();
  private readonly refused = new Set<string>();

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

  /** The refusal for a stranger under the allowlist policy, the first time only (per run: it promises silence). */
  refuse(userId: string): string | undefined {
    if (this.refused.has(userId)) return undefined;
    if (this.refused.size >= 10_000) this.refused.clear();
    this.refused.add(userId);
    return REFUSAL_REPLY;
  }

  private async handle(user: Stranger): Promise<string | undefined> {
    const now = this.now();
    const last = this.lastReply.get(user.id);
    if (last !== undefined && now - last < PAIRING_REPLY_EVERY_MS) return undefined;
    const plan = planPairing(this.reader.pairings(this.channel, now), user.id, now, this.rand);
    if (plan.kind === 'create') {
      await this.write([{
        op: 'pairing.create', channel: this.channel, code: plan.code, userId: user.id, expiresAt: plan.expiresAt,
        ...(user.username ? { username: user.username } : {}), ...(user.chat ? { to: user.chat } : {}),
      }]);
    }
    const text = plan.kind === 'full' ? PAIRING_FULL_REPLY : pairingReply(this.channel, plan.code);
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
