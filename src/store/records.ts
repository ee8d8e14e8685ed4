// Shapes of the records kept in LMDB; each is validated where it enters the store (the persistence actor).
import { Type, type Static } from '../vendor/typebox.js';

export const Usage = Type.Object({ input: Type.Integer({ minimum: 0 }), output: Type.Integer({ minimum: 0 }) });
export type Usage = Static<typeof Usage>;

export const Turn = Type.Object({
  seq: Type.Integer({ minimum: 0 }),
  role: Type.Union([Type.Literal('user'), Type.Literal('assistant')]),
  text: Type.String(),
  ts: Type.Number(),
  channel: Type.String(),
  sender: Type.Optional(Type.Object({ id: Type.String(), name: Type.Optional(Type.String()) })),
  externalId: Type.Optional(Type.String()),
  /** assistant turns: the user turn answered, the usage and who answered. */
  replyTo: Type.Optional(Type.Integer()),
  usage: Type.Optional(Usage),
  provider: Type.Optional(Type.String()),
  model: Type.Optional(Type.String()),
});
export type Turn = Static<typeof Turn>;

export const SessionRecord = Type.Object({
  id: Type.String(),
  channel: Type.String(),
  createdAt: Type.Number(),
  updatedAt: Type.Number(),
  nextSeq: Type.Integer({ minimum: 0 }),
  turns: Type.Integer({ minimum: 0 }),
  usage: Usage,
});
export type SessionRecord = Static<typeof SessionRecord>;

/** A user turn accepted but not yet answered and delivered: resumed after a restart. */
export const PendingRecord = Type.Object({
  session: Type.String(),
  seq: Type.Integer(),
  channel: Type.String(),
  to: Type.String(),
  replyTo: Type.Optional(Type.String()),
  /** Set once the answer is stored: a restart then re-sends it instead of asking the model again. */
  answerSeq: Type.Optional(Type.Integer()),
  ts: Type.Number(),
});
export type PendingRecord = Static<typeof PendingRecord>;

export const PairingRecord = Type.Object({
  channel: Type.String(),
  code: Type.String(),
  userId: Type.String(),
  username: Type.Optional(Type.String()),
  expiresAt: Type.Number(),
  /** The chat the stranger asked from (absent in records from before it was kept). */
  to: Type.Optional(Type.String()),
});
export type PairingRecord = Static<typeof PairingRecord>;

export const AllowRecord = Type.Object({ channel: Type.String(), userId: Type.String(), addedAt: Type.Number(), via: Type.String() });
export type AllowRecord = Static<typeof AllowRecord>;

export function sessionChannel(session: string): string {
  const i = session.indexOf(':');
  return i > 0 ? session.slice(0, i) : 'ws';
}

/** UTC day as YYYY-MM-DD, the unit of daily budgets. */
export function utcDay(ts: number): string {
  return new Date(ts).toISOString().slice(0, 10);
}

/** Upper bound for sequence numbers in range keys. */
export const MAX_SEQ = Number.MAX_SAFE_INTEGER;
