// One end of an actor's MessagePort: validated envelopes, request/response with timeouts, bounded in both directions.
import { AsyncResource } from 'node:async_hooks';
import type { MessagePort } from 'node:worker_threads';
import { TypeCompiler, ValueErrorType, type Static, type TSchema, type TypeCheck, type ValueError } from '../vendor/typebox.js';
import { AppError, isErrorCode, toAppError } from '../errors.js';
import { Envelope, EventEnvelope, RequestEnvelope, ResponseEnvelope } from './messages.js';

const checkEnvelope = TypeCompiler.Compile(Envelope);
const checkByKind: Record<string, TypeCheck<TSchema>> = {
  req: TypeCompiler.Compile(RequestEnvelope),
  res: TypeCompiler.Compile(ResponseEnvelope),
  event: TypeCompiler.Compile(EventEnvelope),
};
const compiled = new WeakMap<TSchema, TypeCheck<TSchema>>();

function checker(schema: TSchema): TypeCheck<TSchema> {
  let check = compiled.get(schema);
  if (!check) compiled.set(schema, check = TypeCompiler.Compile(schema));
  return check;
}

/** First validation problem as text, e.g. `/text: Expected string`. */
export function firstProblem(check: TypeCheck<TSchema>, value: unknown): string {
  const err = check.Errors(value).First();
  return err ? describeError(err) : 'invalid';
}

/** A union only says "Expected union value": the problem of its closest variant (the fewest errors) names the field. */
function describeError(err: ValueError): string {
  if (err.type === ValueErrorType.Union) {
    const variants = err.errors.map((variant) => [...variant]).filter((errors) => errors.length > 0);
    const closest = variants.sort((a, b) => a.length - b.length)[0]?.[0];
    if (closest) return describeError(closest);
  }
  return `${err.path || '/'}: ${err.message}`;
}

/** What is wrong with an envelope, naming the field: checked against the variant its `kind` selects (a union only says "Expected union value"). */
function envelopeProblem(data: unknown): string {
  const kind = (data as { kind?: unknown } | null)?.kind;
  const check = typeof kind === 'string' ? checkByKind[kind] : undefined;
  return check ? firstProblem(check, data) : '/kind: Expected "req", "res" or "event"';
}

type Handler = (payload: unknown, env: RequestEnvelope) => unknown;
type EventHandler = (payload: unknown, env: EventEnvelope) => unknown;
interface Pending { type: string; reply: TypeCheck<TSchema> | undefined; resolve(v: unknown): void; reject(e: Error): void; timer: NodeJS.Timeout }

/** Options of one request: how long it may take, its session (for ordering), and the schema its answer must match. */
export interface RequestOptions { timeoutMs?: number; session?: string; reply?: TSchema }

export interface MailboxOptions {
  /** Requests in flight per direction before new ones are refused as `busy`. */
  capacity: number;
  /** The other side: where requests go and envelopes come from (named in timeouts, "not running", bad envelopes). */
  name: string;
  /** This side, named in answers to the peer's requests ("does not handle", "is busy"); defaults to `name`. */
  self?: string;
  /** Told about envelopes that fail validation (they are answered with an error, never thrown). */
  onInvalid?: (problem: string) => void;
  /** Told about unexpected handler failures (answered to the caller as `internal`). */
  onError?: (err: unknown, type: string) => void;
  defaultTimeoutMs?: number;
}

let nextId = 0;

export class Mailbox {
  private readonly pending = new Map<string, Pending>();
  private readonly handlers = new Map<string, { check: TypeCheck<TSchema>; fn: Handler }>();
  private readonly eventHandlers = new Map<string, { check: TypeCheck<TSchema>; fn: EventHandler }>();
  private handling = 0;
  private closed = false;
  private readonly prefix = `${process.pid}.${Math.random().toString(36).slice(2, 8)}.`;

  constructor(readonly port: MessagePort, private readonly opts: MailboxOptions) {
    // Bound to the creator's async context, so work a handler starts is attributed to its actor (see workers/host.ts).
    // (runInAsyncScope, not AsyncResource.bind: on Node 20 bind builds a deprecation wrapper.)
    const scope = new AsyncResource('Mailbox');
    port.on('message', (data: unknown) => scope.runInAsyncScope(() => this.receive(data)));
    port.on('close', () => {
      // The peer is gone: posts would be dropped silently, so refuse new requests at once instead of timing them out.
      this.closed = true;
      this.failPending('port closed');
    });
  }

  /** Requests sent and not yet answered, plus received ones being handled: the mailbox depth. */
  get depth(): number {
    return this.pending.size + this.handling;
  }

  handle<S extends TSchema>(type: string, schema: S, fn: (payload: Static<S>, env: RequestEnvelope) => unknown): this {
    this.handlers.set(type, { check: checker(schema), fn: fn as Handler });
    return this;
  }

  on<S extends TSchema>(type: string, schema: S, fn: (payload: Static<S>, env: EventEnvelope) => unknown): this {
    this.eventHandlers.set(type, { check: checker(schema), fn: fn as EventHandler });
    return this;
  }

  request(type: string, payload: unknown, opts: RequestOptions = {}): Promise<unknown> {
    if (this.closed) return Promise.reject(new AppError('busy', `${this.opts.name} is not running`));
    if (this.pending.size >= this.opts.capacity) {
      return Promise.reject(new AppError('busy', `${this.opts.name} is busy (${this.pending.size} requests waiting)`));
    }
    const id = this.prefix + (nextId++).toString(36);
    const timeoutMs = opts.timeoutMs ?? this.opts.defaultTimeoutMs ?? 10_000;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new AppError('timeout', `${this.opts.name} did not answer ${type} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { type, reply: opts.reply && checker(opts.reply), resolve, reject, timer });
      const env: RequestEnvelope = { kind: 'req', id, type, payload, sentAt: Date.now(), ...(opts.session ? { session: opts.session } : {}) };
      this.port.postMessage(env);
    });
  }

  emit(type: string, payload: unknown, session?: string): void {
    if (this.closed) return;
    const env: EventEnvelope = { kind: 'event', type, payload, sentAt: Date.now(), ...(session ? { session } : {}) };
    this.port.postMessage(env);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.failPending('mailbox closed');
    this.port.close();
  }

  private failPending(reason: string): void {
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new AppError('busy', `${this.opts.name}: ${reason}`));
      this.pending.delete(id);
    }
  }

  private receive(data: unknown): void {
    if (!checkEnvelope.Check(data)) {
      const problem = `bad envelope from ${this.opts.name}: ${envelopeProblem(data)}`;
      this.opts.onInvalid?.(problem);
      const id = (data as { id?: unknown } | null)?.id;
      if ((data as { kind?: unknown } | null)?.kind === 'req' && typeof id === 'string') this.reply(id, new AppError('bad_frame', problem));
      return;
    }
    if (data.kind === 'res') return this.settle(data);
    if (data.kind === 'event') return this.dispatchEvent(data);
    this.dispatchRequest(data);
  }

  private settle(env: ResponseEnvelope): void {
    const p = this.pending.get(env.id);
    if (!p) return; // answered after its timeout: the caller has already been told
    this.pending.delete(env.id);
    clearTimeout(p.timer);
    if (env.ok && p.reply && !p.reply.Check(env.payload)) {
      const problem = `${this.opts.name} answered ${p.type} with an invalid reply: ${firstProblem(p.reply, env.payload)}`;
      this.opts.onInvalid?.(problem);
      p.reject(new AppError('internal', problem));
    } else if (env.ok) {
      p.resolve(env.payload);
    } else {
      const code = env.error?.code;
      p.reject(new AppError(isErrorCode(code) ? code : 'internal', env.error?.message ?? 'failed'));
    }
  }

  private dispatchEvent(env: EventEnvelope): void {
    const h = this.eventHandlers.get(env.type);
    if (!h) return this.opts.onInvalid?.(`no handler for event ${env.type} from ${this.opts.name}`);
    if (!h.check.Check(env.payload)) return this.opts.onInvalid?.(`bad ${env.type} event from ${this.opts.name}: ${firstProblem(h.check, env.payload)}`);
    // Thrown from a port listener it would be an uncaught exception: on a worker, the end of every actor there.
    try {
      const done: unknown = h.fn(env.payload, env);
      if (done instanceof Promise) done.catch((err: unknown) => this.opts.onError?.(err, env.type));
    } catch (err) {
      this.opts.onError?.(err, env.type);
    }
  }

  private dispatchRequest(env: RequestEnvelope): void {
    const h = this.handlers.get(env.type);
    if (!h) return this.reply(env.id, new AppError('unknown_method', `${this.opts.self ?? this.opts.name} does not handle ${env.type}`));
    if (!h.check.Check(env.payload)) {
      const problem = `bad ${env.type} payload: ${firstProblem(h.check, env.payload)}`;
      this.opts.onInvalid?.(problem);
      return this.reply(env.id, new AppError('bad_params', problem));
    }
    if (this.handling >= this.opts.capacity) return this.reply(env.id, new AppError('busy', `${this.opts.self ?? this.opts.name} is busy`));
    this.handling++;
    new Promise((resolve) => resolve(h.fn(env.payload, env))).then(
      (value) => { this.handling--; this.reply(env.id, undefined, value); },
      (err: unknown) => {
        this.handling--;
        if (!(err instanceof AppError)) this.opts.onError?.(err, env.type);
        this.reply(env.id, toAppError(err));
      },
    );
  }

  private reply(id: string, error: AppError | undefined, payload?: unknown): void {
    if (this.closed) return;
    const env: ResponseEnvelope = error
      ? { kind: 'res', id, ok: false, error: error.toJSON(), sentAt: Date.now() }
      : { kind: 'res', id, ok: true, payload, sentAt: Date.now() };
    this.port.postMessage(env);
  }
}
