// The message flow on the main thread: persist → publish → agent → persist answer → deliver → publish.
import type { Logger } from '../log/logger.js';
import type { AgentResult, InboundMessage, Sender } from './messages.js';
import type { StoreClient } from '../store/client.js';
import type { ActorRef } from './supervisor.js';
import type { Usage } from '../store/records.js';
import { AppError } from '../errors.js';
import { KeyedQueue, type QueueSlot } from './session-queue.js';

/** A `message` event as WebSocket subscribers see it. */
export interface MessageEvent {
  id: string;
  direction: 'in' | 'out';
  channel: string;
  session: string;
  sender: Sender;
  text: string;
  ts: number;
}

export interface EventSink {
  message(event: MessageEvent): void;
  delta(session: string, text: string, reset: boolean): void;
}

export interface AgentRunner {
  run(session: string, seq: number, onDelta: (text: string, reset: boolean) => void): Promise<AgentResult>;
}

/** Whether a session may spend more tokens today; the reply to send when not. */
export type BudgetCheck = (session: string) => { ok: true } | { ok: false; reply: string };

/** `model` names who answered; `failure` says why a turn got a canned reply instead of an answer. */
export interface TurnReply { session: string; seq: number; text: string; usage: Usage; ok: boolean; model?: string; failure?: 'budget' | 'provider' }

/** A streamed piece of one turn's answer; `reset` drops what was streamed before it (a retry or fallback). */
export type DeltaListener = (text: string, reset: boolean) => void;

/** Where an API chat turn comes from; also its `channel` in events and metrics. */
export type ApiChannel = 'ws' | 'http' | 'openai';

export interface RouterDeps {
  store: StoreClient;
  agent: AgentRunner;
  events: EventSink;
  budget: BudgetCheck;
  channels: ReadonlyMap<string, ActorRef>;
  logger: Logger;
  maxQueuedPerSession?: number;
  /** First pause before retrying an answer-path store write (default 250 ms; grows with each try). */
  storeRetryMs?: number;
}

const NO_USAGE: Usage = { input: 0, output: 0 };
/** Tries over about 15 s: long enough for a channel actor to restart. */
const DELIVERY_ATTEMPTS = 5;
const ASSISTANT: Sender = { id: 'assistant', name: 'assistant' };
/** Tries of an answer-path store write over about 10 s: long enough for the store actor to restart. */
const STORE_ATTEMPTS = 8;

/** A stored turn to answer (or whose stored answer to deliver). */
type TurnRef = { session: string; seq: number; channel: string; to: string; replyTo?: string; answerSeq?: number };

export class Router {
  private readonly queue: KeyedQueue;
  private readonly streams = new Map<string, number>();
  /** `session#seq` of every turn queued or being answered in this process, so none is answered twice. */
  private readonly answering = new Set<string>();

  constructor(private readonly deps: RouterDeps) {
    this.queue = new KeyedQueue(deps.maxQueuedPerSession ?? 256);
  }

  /** Persists an inbound message (acknowledged = on disk) and queues its answer; duplicates are not answered again. */
  async accept(msg: InboundMessage, onDelta?: DeltaListener): Promise<{ seq: number; duplicate: boolean; answer: Promise<TurnReply> | undefined }> {
    const ts = Date.now();
    // The queue place is taken before the message is stored: a full queue refuses without storing it.
    const slot = this.queue.reserve(msg.session);
    let stored: { seq: number; duplicate: boolean };
    try {
      stored = await this.deps.store.appendUser(msg, ts);
    } catch (err) {
      slot.release();
      throw err;
    }
    const { seq, duplicate } = stored;
    if (duplicate) {
      // A redelivery. Its first delivery may have been stored while the store actor died before saying so:
      // then nobody is answering it yet, and this is the moment to.
      const stranded = this.deps.store.read.pendingTurn(msg.session, seq);
      if (stranded) return { seq, duplicate, answer: this.queueTurn(stranded, slot) };
      slot.release();
      return { seq, duplicate, answer: undefined };
    }
    this.deps.events.message({ id: `${msg.session}#${seq}`, direction: 'in', channel: msg.channel, session: msg.session, sender: msg.sender, text: msg.text, ts });
    const answer = this.queueTurn({ session: msg.session, seq, channel: msg.channel, to: msg.to, ...(msg.replyTo ? { replyTo: msg.replyTo } : {}) }, slot, onDelta);
    return { seq, duplicate, answer };
  }

  /**
   * Queues a stored turn's answer in `slot` (else a new place) unless this process already has; a stored
   * answer is re-sent, not recomputed.
   */
  private queueTurn(t: TurnRef, slot?: QueueSlot, onDelta?: DeltaListener): Promise<TurnReply> | undefined {
    const key = `${t.session}#${t.seq}`;
    if (this.answering.has(key)) {
      slot?.release();
      return undefined;
    }
    this.answering.add(key);
    const job = t.answerSeq !== undefined
      ? () => this.deliverStored(t.session, t.seq, t.answerSeq as number, t.channel, t.to, t.replyTo)
      : () => this.answer(t.session, t.seq, t.channel, t.to, t.replyTo, onDelta);
    const answer = slot ? slot.run(job) : this.queue.run(t.session, job);
    answer.then(() => this.answering.delete(key), (err: unknown) => {
      this.answering.delete(key);
      this.deps.logger.error({ err, session: t.session, seq: t.seq }, 'answering failed');
    });
    return answer;
  }

  /** Runs an answer-path store write, again while the store actor restarts (busy); each of these writes is idempotent. */
  private async durably<T>(write: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await write();
      } catch (err) {
        if (attempt >= STORE_ATTEMPTS || !(err instanceof AppError) || (err.code !== 'busy' && err.code !== 'timeout')) throw err;
        await new Promise((r) => setTimeout(r, (this.deps.storeRetryMs ?? 250) * attempt));
      }
    }
  }

  /**
   * A chat turn from the API: resolves with the answer. `onDelta` hears this turn's deltas only, not
   * those of an earlier turn of the same session that is still being answered.
   */
  async chat(session: string, text: string, sender: Sender, channel: ApiChannel, onDelta?: DeltaListener): Promise<TurnReply> {
    const externalId = `${channel}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
    const { answer } = await this.accept({ channel, to: session, session, sender, text, externalId }, onDelta);
    if (!answer) throw new AppError('internal', 'message was not accepted');
    return answer;
  }

  /** Answers every turn accepted before a restart but not delivered; stored answers are re-sent, not recomputed. */
  resumePending(): number {
    const pending = this.deps.store.read.pending();
    for (const p of pending) this.queueTurn(p);
    return pending.length;
  }

  drain(timeoutMs: number): Promise<void> {
    return this.queue.drain(timeoutMs);
  }

  private async answer(session: string, seq: number, channel: string, to: string, replyTo?: string, onDelta?: DeltaListener): Promise<TurnReply> {
    const { store, events } = this.deps;
    const budget = this.deps.budget(session);
    // WebSocket and HTTP callers get the reply themselves: no delivery step, so storing the answer closes the turn.
    const closesOnAnswer = !this.deps.channels.has(channel);
    let closed = false;
    let reply: TurnReply;
    if (!budget.ok) {
      reply = { session, seq, text: budget.reply, usage: NO_USAGE, ok: false, failure: 'budget' };
    } else {
      const streamId = `${session}#${seq}`;
      let streamed = '';
      const result = await this.deps.agent.run(session, seq, (text, reset) => {
        streamed = reset ? text : streamed + text;
        events.delta(session, text, reset);
        onDelta?.(text, reset);
        this.streamToChannel(channel, to, streamId, streamed, replyTo);
      });
      if (result.ok) {
        await this.durably(() => store.appendAnswer({ session, replyTo: seq, text: result.text, usage: result.usage, provider: result.provider, model: result.model }, Date.now(), closesOnAnswer));
        closed = closesOnAnswer;
        reply = { session, seq, text: result.text, usage: result.usage, ok: true, model: result.model };
      } else {
        reply = { session, seq, text: result.apology, usage: NO_USAGE, ok: false, failure: 'provider' };
      }
    }
    await this.deliver(channel, to, reply.text, `${session}#${seq}`, replyTo);
    if (!closed) await this.durably(() => store.delivered(session, seq));
    events.message({ id: `${session}#${seq}.out`, direction: 'out', channel, session, sender: ASSISTANT, text: reply.text, ts: Date.now() });
    return reply;
  }

  private async deliverStored(session: string, seq: number, answerSeq: number, channel: string, to: string, replyTo?: string): Promise<TurnReply> {
    const turn = this.deps.store.read.turn(session, answerSeq);
    if (!turn) return this.answer(session, seq, channel, to, replyTo);
    await this.deliver(channel, to, turn.text, `${session}#${seq}`, replyTo);
    await this.durably(() => this.deps.store.delivered(session, seq));
    return { session, seq, text: turn.text, usage: turn.usage ?? NO_USAGE, ok: true };
  }

  /** Progressive preview for channels that edit a message as the answer grows (throttled by the channel). */
  private streamToChannel(channel: string, to: string, streamId: string, text: string, replyTo?: string): void {
    const ref = this.deps.channels.get(channel);
    if (!ref || text === '') return;
    ref.emit('channel.stream', { to, streamId, text, ...(replyTo ? { replyTo } : {}) });
    this.streams.set(streamId, Date.now());
  }

  /** Hands the answer to its channel, retrying while the channel actor restarts; the pending marker stays until it succeeds. */
  private async deliver(channel: string, to: string, text: string, streamId: string, replyTo?: string): Promise<void> {
    const ref = this.deps.channels.get(channel);
    const streamed = this.streams.delete(streamId);
    if (!ref) return; // ws/http: the caller receives the reply itself
    const payload = { to, text: text || '…', ...(streamed ? { streamId } : {}), ...(replyTo ? { replyTo } : {}) };
    for (let attempt = 1; ; attempt++) {
      try {
        await ref.request('channel.send', payload, { timeoutMs: 60_000 });
        return;
      } catch (err) {
        if (attempt >= DELIVERY_ATTEMPTS || !(err instanceof AppError) || err.code !== 'busy') throw err;
        this.deps.logger.warn({ channel, attempt, err: err.message }, 'channel not ready; retrying delivery');
        await new Promise((r) => setTimeout(r, 1000 * 2 ** (attempt - 1)));
      }
    }
  }
}
