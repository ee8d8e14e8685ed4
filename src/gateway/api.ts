// The operations behind both the HTTP API and the WebSocket methods, so the two surfaces cannot drift apart.
import { randomUUID } from 'node:crypto';
import type { Router, TurnReply } from '../actors/router.js';
import type { ActorRef } from '../actors/supervisor.js';
import type { StoreClient } from '../store/client.js';
import type { ChannelSent } from '../actors/messages.js';
import { AppError } from '../errors.js';
import type { ChatParams, HistoryParams, PairingApproveParams, SendParams } from './api-schemas.js';

export interface ApiDeps {
  router: Router;
  store: StoreClient;
  channels: ReadonlyMap<string, ActorRef>;
  status(): Record<string, unknown>;
  /** Refuses new work when the gateway is over its memory limit. */
  admit(): void;
}

export class GatewayApi {
  constructor(private readonly deps: ApiDeps) {}

  status(): Record<string, unknown> {
    return this.deps.status();
  }

  async chat(p: ChatParams, channel: 'ws' | 'http', onDelta?: (text: string) => void): Promise<TurnReply> {
    this.deps.admit();
    const session = p.session ?? `${channel}:${randomUUID()}`;
    return this.deps.router.chat(session, p.text, { id: channel, name: channel }, channel, onDelta);
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

  async approvePairing(p: PairingApproveParams): Promise<{ channel: string; user_id: string; approved: true }> {
    const [result] = await this.deps.store.write([{ op: 'pairing.approve', channel: p.channel, code: p.code.toUpperCase(), now: Date.now() }]);
    if (!result || !('userId' in result)) throw new AppError('not_found', `no pending pairing code ${p.code} for ${p.channel} (codes expire after 1 hour)`);
    return { channel: p.channel, user_id: result.userId, approved: true };
  }
}
