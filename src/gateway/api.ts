// The operations behind both the HTTP API and the WebSocket methods, so the two surfaces cannot drift apart.
import { randomUUID } from 'node:crypto';
import type { ApiChannel, Router, TurnReply } from '../actors/router.js';
import type { ActorRef } from '../actors/supervisor.js';
import type { StoreClient } from '../store/client.js';
import type { ChannelSent, StoreOp } from '../actors/messages.js';
import { AppError } from '../errors.js';
import { APPROVED_REPLY } from '../channels/access.js';
import type { ChatParams, HistoryParams, PairingApproveParams, SendParams } from './api-schemas.js';

/** How long an approval waits for its notice to the user to be sent. */
const NOTICE_TIMEOUT_MS = 5000;

export interface ApiDeps {
  router: Router;
  store: StoreClient;
  channels: ReadonlyMap<string, ActorRef>;
  status(): Record<string, unknown>;
  /** Refuses new work when the gateway is over its memory limit. */
  admit(): void;
}

/** One streamed piece of a chat answer as API clients see it (`reset`: drop what came before). */
export interface ChatDelta { session: string; text: string; reset?: true }

/** An earlier turn of a conversation a client sends along (OpenAI-style requests carry the whole conversation). */
export interface PriorTurn { role: 'user' | 'assistant'; text: string }

export class GatewayApi {
  constructor(private readonly deps: ApiDeps) {}

  status(): Record<string, unknown> {
    return this.deps.status();
  }

  /**
   * One chat turn; without `p.session` a fresh session `<channel>:<uuid>` is made. `prior` turns are
   * stored ahead of the new one, and only into a fresh session (an existing one has its own history).
   */
  async chat(p: ChatParams, channel: ApiChannel, onDelta?: (delta: ChatDelta) => void, prior: readonly PriorTurn[] = []): Promise<TurnReply> {
    this.deps.admit();
    const session = p.session ?? `${channel}:${randomUUID()}`;
    if (p.session === undefined && prior.length > 0) await this.deps.store.write(priorTurnOps(session, channel, prior));
    const listener = onDelta && ((text: string, reset: boolean) => onDelta(reset ? { session, text, reset } : { session, text }));
    return this.deps.router.chat(session, p.text, { id: channel, name: channel }, channel, listener);
  }

  async send(p: SendParams): Promise<{ status: 'sent'; message_id: string }> {
    this.deps.admit();
    const ref = this.deps.channels.get(p.channel);
    if (!ref) throw new AppError('bad_params', `channel: ${p.channel} is not enabled (expected an enabled channel)`);
    const sent = await ref.request('channel.send', { to: p.to, text: p.text }, { timeoutMs: 30_000 }) as ChannelSent;
    return { status: 'sent', message_id: sent.messageIds[0] ?? '' };
  }

  sessions(): { sessions: Array<Record<string, unknown>> } {
    return {
      sessions: this.deps.store.read.sessions().map((s) => ({
        id: s.id, channel: s.channel, turns: s.turns, created_at: s.createdAt, updated_at: s.updatedAt, usage: s.usage,
      })),
    };
  }

  history(p: HistoryParams): { session: string; messages: Array<Record<string, unknown>> } {
    if (!this.deps.store.read.session(p.session)) throw new AppError('not_found', `session ${p.session} does not exist`);
    const messages = this.deps.store.read.history(p.session, p.limit ?? 50).map((t) => ({
      seq: t.seq, role: t.role, text: t.text, ts: t.ts, channel: t.channel,
      ...(t.sender ? { sender: t.sender } : {}), ...(t.usage ? { usage: t.usage } : {}), ...(t.model ? { model: t.model } : {}),
    }));
    return { session: p.session, messages };
  }

  async reset(session: string): Promise<{ session: string; reset: true }> {
    if (!this.deps.store.read.session(session)) throw new AppError('not_found', `session ${session} does not exist`);
    await this.deps.store.reset(session);
    return { session, reset: true };
  }

  /** Approves a code and tells the user in the chat they asked from; `notified` says whether that message went out. */
  async approvePairing(p: PairingApproveParams): Promise<{ channel: string; user_id: string; approved: true; notified: boolean }> {
    const [result] = await this.deps.store.write([{ op: 'pairing.approve', channel: p.channel, code: p.code.toUpperCase(), now: Date.now() }]);
    if (!result || !('userId' in result)) throw new AppError('not_found', `no pending pairing code ${p.code} for ${p.channel} (codes expire after 1 hour)`);
    const ref = this.deps.channels.get(p.channel);
    // The approval stands whether or not the notice gets through (the channel may be down right now); the wait is
    // kept well under the CLI's 10 s, which would otherwise report a committed approval as failed.
    const notified = result.to !== undefined && ref !== undefined
      && await ref.request('channel.send', { to: result.to, text: APPROVED_REPLY }, { timeoutMs: NOTICE_TIMEOUT_MS }).then(() => true, () => false);
    return { channel: p.channel, user_id: result.userId, approved: true, notified };
  }
}

/**
 * Store ops writing `prior` into a fresh session as already-answered turns: seqs count from 0 in op
 * order, so each answer names the user turn before it, and every user turn is marked delivered.
 */
export function priorTurnOps(session: string, channel: ApiChannel, prior: readonly PriorTurn[], ts = Date.now()): StoreOp[] {
  const ops: StoreOp[] = [];
  const sender = { id: channel, name: channel };
  let lastUser = 0;
  prior.forEach((turn, seq) => {
    if (turn.role === 'user') {
      lastUser = seq;
      ops.push({ op: 'user', ts, message: { channel, to: session, session, sender, text: turn.text, externalId: `${session}#prior${seq}` } });
      ops.push({ op: 'delivered', session, seq });
    } else {
      ops.push({ op: 'answer', session, replyTo: lastUser, text: turn.text, ts, usage: { input: 0, output: 0 }, provider: 'client', model: 'client' });
    }
  });
  return ops;
}
