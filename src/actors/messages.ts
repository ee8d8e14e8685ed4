// Every message that crosses a thread: envelopes and payloads as typebox schemas, validated on receipt.
import { Type, type Static } from '../vendor/typebox.js';
import { Usage } from '../store/records.js';

export const ErrorBody = Type.Object({ code: Type.String(), message: Type.String() });

export const RequestEnvelope = Type.Object({
  kind: Type.Literal('req'),
  id: Type.String({ minLength: 1 }),
  type: Type.String({ minLength: 1 }),
  session: Type.Optional(Type.String()),
  payload: Type.Unknown(),
  sentAt: Type.Number(),
});
export const ResponseEnvelope = Type.Object({
  kind: Type.Literal('res'),
  id: Type.String({ minLength: 1 }),
  ok: Type.Boolean(),
  payload: Type.Optional(Type.Unknown()),
  error: Type.Optional(ErrorBody),
  sentAt: Type.Number(),
});
export const EventEnvelope = Type.Object({
  kind: Type.Literal('event'),
  type: Type.String({ minLength: 1 }),
  session: Type.Optional(Type.String()),
  payload: Type.Unknown(),
  sentAt: Type.Number(),
});
export const Envelope = Type.Union([RequestEnvelope, ResponseEnvelope, EventEnvelope]);
export type RequestEnvelope = Static<typeof RequestEnvelope>;
export type ResponseEnvelope = Static<typeof ResponseEnvelope>;
export type EventEnvelope = Static<typeof EventEnvelope>;
export type Envelope = Static<typeof Envelope>;

/** The task piscina hands a worker to start a long-lived actor (its port is moved with it). */
export const ActorTask = Type.Object({
  kind: Type.Literal('actor'),
  name: Type.String({ minLength: 1 }),
  /** file: URL of the module whose default export runs the actor. */
  module: Type.String({ minLength: 1 }),
  options: Type.Unknown(),
  capacity: Type.Integer({ minimum: 1 }),
  log: Type.Object({ level: Type.String(), secrets: Type.Array(Type.String()) }),
  port: Type.Unknown(),
});
export type ActorTask = Static<typeof ActorTask>;

// ---- Payloads of the core message types ----

export const Empty = Type.Object({});

export const ActorState = Type.Object({
  state: Type.Union([Type.Literal('up'), Type.Literal('degraded'), Type.Literal('down')]),
  detail: Type.Optional(Type.String()),
  info: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
});
export type ActorState = Static<typeof ActorState>;

export const Sender = Type.Object({ id: Type.String(), name: Type.Optional(Type.String()) });
export type Sender = Static<typeof Sender>;

/** A message a channel actor received from a user, handed to the main thread to persist and answer. */
export const InboundMessage = Type.Object({
  channel: Type.String({ minLength: 1 }),
  /** Where the answer goes (chat id, channel id). */
  to: Type.String({ minLength: 1 }),
  session: Type.String({ minLength: 1 }),
  sender: Sender,
  text: Type.String(),
  /** The channel's own id of the message, so a redelivery is not answered twice. */
  externalId: Type.String({ minLength: 1 }),
  /** A channel offset to store in the same transaction as the message (Telegram's update offset, Discord's last message id). */
  offset: Type.Optional(Type.Object({ key: Type.String(), value: Type.Union([Type.Integer(), Type.String()]) })),
  /** The channel message the answer should reply to, if any. */
  replyTo: Type.Optional(Type.String()),
});
export type InboundMessage = Static<typeof InboundMessage>;
export const InboundAccepted = Type.Object({ accepted: Type.Boolean(), duplicate: Type.Boolean(), seq: Type.Integer() });
export type InboundAccepted = Static<typeof InboundAccepted>;

/** Main → channel actor: send (or finish streaming) a text to a chat. */
export const ChannelSend = Type.Object({
  to: Type.String({ minLength: 1 }),
  text: Type.String({ minLength: 1 }),
  session: Type.Optional(Type.String()),
  replyTo: Type.Optional(Type.String()),
  /** Ties the final text to the preview message the stream events created. */
  streamId: Type.Optional(Type.String()),
});
export type ChannelSend = Static<typeof ChannelSend>;
export const ChannelSent = Type.Object({ messageIds: Type.Array(Type.String()) });
export type ChannelSent = Static<typeof ChannelSent>;

/** Main → channel actor (event): the answer so far, for progressive edits; `typing` before any text. */
export const ChannelStream = Type.Object({
  to: Type.String({ minLength: 1 }),
  streamId: Type.String({ minLength: 1 }),
  text: Type.String(),
  replyTo: Type.Optional(Type.String()),
});
export type ChannelStream = Static<typeof ChannelStream>;

/** Agent actor → main (event): one streamed piece of the answer to call `call`. */
/** `reset`: drop what was streamed so far (a failed provider's partial answer before the fallback's). */
export const AgentDelta = Type.Object({ call: Type.Integer({ minimum: 1 }), text: Type.String(), reset: Type.Optional(Type.Boolean()) });
export type AgentDelta = Static<typeof AgentDelta>;

// ---- Store writes (main → persistence actor) ----

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
  /**
   * Of the next `scan` sessions (by id, after `after`), those idle since before `before` and not waiting for an
   * answer lose their turns, their dedupe keys and their usage records; the session record stays, as after a reset.
   */
  Type.Object({ op: Type.Literal('expire'), before: Type.Number(), scan: Type.Integer({ minimum: 1 }), after: Type.Optional(Type.String()) }),
  Type.Object({ op: Type.Literal('offset'), key: Type.String(), value: Type.Union([Type.Integer(), Type.String()]) }),
  Type.Object({
    op: Type.Literal('pairing.create'), channel: Type.String(), code: Type.String(), userId: Type.String(),
    username: Type.Optional(Type.String()), expiresAt: Type.Number(),
    /** The chat the stranger asked from, where they are told once approved. */
    to: Type.Optional(Type.String()),
  }),
  Type.Object({ op: Type.Literal('pairing.approve'), channel: Type.String(), code: Type.String(), now: Type.Number() }),
  Type.Object({ op: Type.Literal('allow.add'), channel: Type.String(), userId: Type.String(), via: Type.String(), ts: Type.Number() }),
]);
export type StoreOp = Static<typeof StoreOp>;

export const StoreWrite = Type.Object({ ops: Type.Array(StoreOp, { minItems: 1, maxItems: 1000 }) });
export type StoreWrite = Static<typeof StoreWrite>;

/** Per-op results, in order: user → {seq, duplicate}; answer → {seq}; pairing.approve → {userId} or null; expire → {sessions, turns, next?}; others → null. */
export const StoreOpResult = Type.Union([
  Type.Object({ seq: Type.Integer({ minimum: 0 }), duplicate: Type.Optional(Type.Boolean()) }),
  Type.Object({ userId: Type.String(), username: Type.Optional(Type.String()), to: Type.Optional(Type.String()) }),
  Type.Object({ sessions: Type.Integer({ minimum: 0 }), turns: Type.Integer({ minimum: 0 }), next: Type.Optional(Type.String()) }),
  Type.Null(),
]);
export type StoreOpResult = Static<typeof StoreOpResult>;
/** The persistence actor's answer to `store.write`: one result per op. */
export const StoreWriteReply = Type.Object({ results: Type.Array(StoreOpResult) });
export type StoreWriteReply = Static<typeof StoreWriteReply>;

// ---- Agent actors (as many as worker threads; a call's deltas and its answer share the actor's port) ----

export const ProviderIdSchema = Type.Union([Type.Literal('anthropic'), Type.Literal('openai'), Type.Literal('echo')]);

export const ProviderSettings = Type.Object({
  provider: ProviderIdSchema,
  model: Type.String(),
  api_key: Type.String(),
  base_url: Type.String(),
});
export type ProviderSettings = Static<typeof ProviderSettings>;

/** An agent actor's options: where the history is, and how to call the models. */
export const AgentActorOptions = Type.Object({
  store: Type.Object({ dataDir: Type.String(), mapSizeMb: Type.Integer() }),
  agent: Type.Object({
    primary: ProviderSettings,
    fallback: Type.Optional(ProviderSettings),
    max_tokens: Type.Integer({ minimum: 1 }),
    system_prompt: Type.String(),
    timeout_ms: Type.Integer({ minimum: 1 }),
    max_retries: Type.Integer({ minimum: 0 }),
    history_tokens: Type.Integer({ minimum: 0 }),
  }),
});
export type AgentActorOptions = Static<typeof AgentActorOptions>;

/** Main → agent actor (request `agent.run`): answer one user turn; history is read from the store by the actor. */
export const AgentCall = Type.Object({
  /** Names the call in its `agent.delta` events. */
  call: Type.Integer({ minimum: 1 }),
  session: Type.String({ minLength: 1 }),
  /** The user turn to answer: history is every stored turn before it, plus it. */
  seq: Type.Integer({ minimum: 0 }),
  /** Providers the main thread knows to be unusable (auth failures): skipped. */
  skip: Type.Array(ProviderIdSchema),
});
export type AgentCall = Static<typeof AgentCall>;

export const AttemptOutcome = Type.Union(['ok', 'rate_limited', 'overloaded', 'server', 'network', 'timeout', 'auth', 'context_too_long', 'bad_request']
  .map((o) => Type.Literal(o)));
export const AgentAttempt = Type.Object({
  provider: ProviderIdSchema,
  model: Type.String(),
  outcome: AttemptOutcome,
  status: Type.Optional(Type.Integer()),
  requestId: Type.Optional(Type.String()),
  ms: Type.Number(),
});
export type AgentAttempt = Static<typeof AgentAttempt>;

export const AgentResult = Type.Union([
  Type.Object({
    ok: Type.Literal(true),
    text: Type.String(),
    usage: Type.Object({ input: Type.Integer(), output: Type.Integer() }),
    provider: ProviderIdSchema,
    model: Type.String(),
    stopReason: Type.String(),
    attempts: Type.Array(AgentAttempt),
  }),
  Type.Object({
    ok: Type.Literal(false),
    /** Short text for the user: no internals, no stack traces. */
    apology: Type.String(),
    attempts: Type.Array(AgentAttempt),
  }),
]);
export type AgentResult = Static<typeof AgentResult>;

// ---- Channel actor → main: session commands (/new, /status) ----

export const SessionRef = Type.Object({ session: Type.String({ minLength: 1 }) });
export type SessionRef = Static<typeof SessionRef>;
export const SessionInfo = Type.Object({
  provider: Type.String(),
  model: Type.String(),
  turns: Type.Integer(),
  usage: Usage,
  usageToday: Usage,
});
export type SessionInfo = Static<typeof SessionInfo>;

// ---- Telegram channel ----

/** Main → Telegram actor: one webhook update; answered once it is persisted (a turn) or handled (anything else). */
export const TelegramWebhookUpdate = Type.Object({ update: Type.Object({ update_id: Type.Integer({ minimum: 0 }) }) });
export type TelegramWebhookUpdate = Static<typeof TelegramWebhookUpdate>;
