// Parameters of every API operation, shared by the HTTP routes and the WebSocket methods.
import { Type, type Static } from '../vendor/typebox.js';

const SessionId = Type.String({ minLength: 1, maxLength: 256, pattern: '^[A-Za-z0-9_.:@-]+$', description: 'a session id of A-Z a-z 0-9 _ . : @ - (e.g. ws:alice or telegram:123)' });
const Text = Type.String({ minLength: 1, maxLength: 100_000 });

export const ChatParams = Type.Object({ session: Type.Optional(SessionId), text: Text }, { additionalProperties: false });
export type ChatParams = Static<typeof ChatParams>;

export const SendParams = Type.Object({
  channel: Type.Union([Type.Literal('telegram'), Type.Literal('discord')]),
  to: Type.String({ minLength: 1, maxLength: 64 }),
  text: Text,
}, { additionalProperties: false });
export type SendParams = Static<typeof SendParams>;

export const SessionParams = Type.Object({ session: SessionId }, { additionalProperties: false });
export type SessionParams = Static<typeof SessionParams>;

export const HistoryParams = Type.Object({
  session: SessionId,
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
}, { additionalProperties: false });
export type HistoryParams = Static<typeof HistoryParams>;

export const PairingApproveParams = Type.Object({
  channel: Type.Union([Type.Literal('telegram'), Type.Literal('discord')]),
  code: Type.String({ minLength: 4, maxLength: 16 }),
}, { additionalProperties: false });
export type PairingApproveParams = Static<typeof PairingApproveParams>;

export const TOPIC_PATTERN = '^(messages|telegram|discord|status|session:[A-Za-z0-9_.:@-]{1,256})$';
export const TopicsParams = Type.Object({
  topics: Type.Array(Type.String({ pattern: TOPIC_PATTERN, description: 'messages, telegram, discord, status or session:<id>' }), { minItems: 1, maxItems: 64 }),
}, { additionalProperties: false });
export type TopicsParams = Static<typeof TopicsParams>;

export const ConnectParams = Type.Object({ token: Type.Optional(Type.String({ maxLength: 1024 })) }, { additionalProperties: false });
export const NoParams = Type.Object({}, { additionalProperties: false });
