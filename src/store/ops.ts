// The write operations the persistence actor applies, as typebox schemas (they cross from main to its thread).
import { Type, type Static } from '@sinclair/typebox';
import { InboundMessage } from '../actors/messages.js';
import { Usage } from './records.js';

export const StoreOp = Type.Union([
  /** A user turn: deduplicated by channel+externalId, stored with its offset, marked pending. */
  Type.Object({ op: Type.Literal('user'), message: InboundMessage, ts: Type.Number() }),
  /** The answer to a pending user turn, with the usage it cost. */
  Type.Object({
    op: Type.Literal('answer'), session: Type.String(), replyTo: Type.Integer(), text: Type.String(), ts: Type.Number(),
    usage: Usage, provider: Type.String(), model: Type.String(),
  }),
  /** The answer reached the user (or the turn was given up on): no longer pending. */
  Type.Object({ op: Type.Literal('delivered'), session: Type.String(), seq: Type.Integer() }),
  Type.Object({ op: Type.Literal('reset'), session: Type.String() }),
  Type.Object({ op: Type.Literal('trim'), session: Type.String(), keep: Type.Integer({ minimum: 0 }) }),
  Type.Object({ op: Type.Literal('offset'), key: Type.String(), value: Type.Integer() }),
  Type.Object({
    op: Type.Literal('pairing.create'), channel: Type.String(), code: Type.String(), userId: Type.String(),
    username: Type.Optional(Type.String()), expiresAt: Type.Number(),
  }),
  Type.Object({ op: Type.Literal('pairing.approve'), channel: Type.String(), code: Type.String(), now: Type.Number() }),
  Type.Object({ op: Type.Literal('allow.add'), channel: Type.String(), userId: Type.String(), via: Type.String(), ts: Type.Number() }),
]);
export type StoreOp = Static<typeof StoreOp>;

export const StoreWrite = Type.Object({ ops: Type.Array(StoreOp, { minItems: 1, maxItems: 1000 }) });
export type StoreWrite = Static<typeof StoreWrite>;

/** Per-op results, in order: user → {seq, duplicate}; answer → {seq}; pairing.approve → {userId} or null; others → null. */
export type StoreOpResult = { seq: number; duplicate?: boolean } | { userId: string; username?: string } | null;
