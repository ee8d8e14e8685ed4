// Starts actors in the pool, restarts them with exponential backoff, and gives up after too many restarts.
import { MessageChannel } from 'node:worker_threads';
import type { Piscina } from 'piscina';
import type { Logger } from '../log/logger.js';
import type { PartState } from '../gateway/http/health.js';
import { AppError } from '../errors.js';
import { waitAtMost } from '../wait.js';
import { Mailbox, type RequestOptions } from './mailbox.js';
import { ActorState, type ActorTask } from './messages.js';

export interface RestartPolicy { baseMs: number; maxMs: number; maxRestarts: number; windowMs: number }

/** How long a closed port waits for the pool to settle the actor's task (whose error names the culprit). */
const PORT_CLOSE_GRACE_MS = 1000;

/** Requests in flight per direction of an actor's mailbox when its spec sets none. */
const DEFAULT_CAPACITY = 1024;

export const DEFAULT_RESTART: RestartPolicy = { baseMs: 250, maxMs: 15_000, maxRestarts: 5, windowMs: 60_000 };

export interface ActorSpec {
  name: string;
  /** file: URL of the actor module. */
  module: string;
  options: unknown;
  capacity?: number;
  restart?: Partial<RestartPolicy>;
  /** Registers the main thread's handlers on each fresh mailbox (requests and events from the actor). */
  wire?: (mailbox: Mailbox) => void;
}

export type ActorLifecycle = 'starting' | 'up' | 'degraded' | 'down' | 'restarting' | 'failed' | 'stopped';

/** The actor a worker's uncaught exception came from (tagged by workers/host.ts), or undefined when unknown. */
export function crashedActor(err: unknown): string | undefined {
  const actor = (err as { actor?: unknown } | null)?.actor;
  return typeof actor === 'string' ? actor : undefined;
}

/** Exponential backoff with jitter in [50%, 100%] of the step. */
export function restartDelay(attempt: number, policy: RestartPolicy, rand = Math.random): number {
  const step = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(step * (0.5 + rand() * 0.5));
}

export class ActorRef {
  state: ActorLifecycle = 'starting';
  detail: string | undefined;
  info: Record<string, unknown> = {};
  restarts = 0;
  mailbox: Mailbox | undefined;
  generation = 0;
  readonly restartTimes: number[] = [];
  timer: NodeJS.Timeout | undefined;
  task: Promise<unknown> | undefined;

  constructor(readonly spec: ActorSpec, readonly policy: RestartPolicy) {}

  get name(): string {
    return this.spec.name;
  }

  private readonly waiters = new Set<() => void>();

  get isUp(): boolean {
    return this.state === 'up' || this.state === 'degraded';
  }

  /** Called by the supervisor on every state change. */
  changed(): void {
    for (const wake of this.waiters) wake();
  }

  /** Resolves once the actor is up; rejects with `busy` if it fails, stops, or `timeoutMs` passes. */
  whenUp(timeoutMs: number): Promise<void> {
    if (this.isUp) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = (err?: AppError): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
        if (err) reject(err);
        else resolve();
      };
      const check = (): void => {
        if (this.isUp) done();
        else if (this.state === 'failed' || this.state === 'stopped') done(new AppError('busy', `${this.name} is ${this.state}`));
      };
      const timer = setTimeout(() => done(new AppError('busy', `${this.name} is ${this.state}${this.detail ? ` (${this.detail})` : ''}`)), timeoutMs);
      this.waiters.add(check);
    });
  }

  /** Sends a request, waiting (bounded in time and number) for the actor to be up first, e.g. while it restarts. */
  async request(type: string, payload: unknown, opts: RequestOptions = {}): Promise<unknown> {
    if (!this.isUp || !this.mailbox) {
      // Callers waiting for a restart are bounded like the mailbox they wait for: a flood meanwhile is refused, not queued.
      const capacity = this.spec.capacity ?? DEFAULT_CAPACITY;
      if (this.waiters.size >= capacity) throw new AppError('busy', `${this.name} is ${this.state} and ${capacity} requests are already waiting for it`);
      await this.whenUp(Math.min(opts.timeoutMs ?? 10_000, 10_000));
    }
    if (!this.mailbox) throw new AppError('busy', `${this.name} is ${this.state}`);
    return this.mailbox.request(type, payload, opts);
  }

  emit(type: string, payload: unknown, session?: string): void {
    this.mailbox?.emit(type, payload, session);
  }
}

export interface SupervisorEvents {
  onState?: (ref: ActorRef) => void;
  onRestart?: (ref: ActorRef) => void;
}

export class Supervisor {
  private readonly refs = new Map<string, ActorRef>();
  private stopping = false;

  constructor(
    private readonly pool: Piscina,
    private readonly logger: Logger,
    private readonly log: ActorTask['log'],
    private events: SupervisorEvents = {},
  ) {}

  /** Sets who hears of state changes and restarts: the gateway, which loads after the first actor started. */
  observe(events: SupervisorEvents): void {
    this.events = events;
  }

  start(spec: ActorSpec): ActorRef {
    const ref = new ActorRef(spec, { ...DEFAULT_RESTART, ...spec.restart });
    this.refs.set(spec.name, ref);
    this.launch(ref);
    return ref;
  }

  get(name: string): ActorRef | undefined {
    return this.refs.get(name);
  }

  all(): ActorRef[] {
    return [...this.refs.values()];
  }

  parts(): PartState[] {
    return this.all().map((ref) => {
      const state = ref.state === 'up' ? 'up' : ref.state === 'degraded' ? 'degraded' : ref.state === 'failed' ? 'failed' : ref.state === 'starting' ? 'starting' : 'down';
      return { name: `actor:${ref.name}`, state, ...(ref.detail ? { detail: ref.detail } : {}) };
    });
  }

  private setState(ref: ActorRef, state: ActorLifecycle, detail?: string): void {
    ref.state = state;
    ref.detail = detail;
    ref.changed();
    this.events.onState?.(ref);
  }

  private launch(ref: ActorRef): void {
    const generation = ++ref.generation;
    const { port1, port2 } = new MessageChannel();
    const mailbox = new Mailbox(port1, {
      capacity: ref.spec.capacity ?? DEFAULT_CAPACITY,
      name: ref.name,
      self: 'main',
      onInvalid: (problem) => this.logger.warn({ actor: ref.name, problem }, 'invalid message from actor'),
      onError: (err, type) => this.logger.error({ actor: ref.name, err, type }, 'handler for actor message failed'),
    });
    ref.mailbox = mailbox;
    mailbox.on('actor.state', ActorState, (s) => {
      if (generation !== ref.generation) return;
      if (s.info) ref.info = s.info;
      this.setState(ref, s.state, s.detail);
    });
    ref.spec.wire?.(mailbox);
    this.setState(ref, 'starting');
    const task: ActorTask = {
      kind: 'actor', name: ref.name, module: ref.spec.module, options: ref.spec.options,
      capacity: ref.spec.capacity ?? DEFAULT_CAPACITY, log: this.log, port: port2,
    };
    const ended = (reason: string, err?: unknown): void => {
      if (generation !== ref.generation) return;
      ref.generation++; // later signals from this run are stale
      mailbox.close();
      if (this.stopping) return this.setState(ref, 'stopped');
      const culprit = crashedActor(err);
      if (culprit !== undefined && culprit !== ref.name) {
        this.logger.warn({ actor: ref.name, culprit, reason }, 'actor lost its worker thread to another actor\'s crash');
        return this.scheduleRestart(ref, `${reason} (thrown by actor ${culprit})`, false);
      }
      this.logger.error({ actor: ref.name, err, reason }, 'actor stopped unexpectedly');
      this.scheduleRestart(ref, reason, true);
    };
    ref.task = this.pool.run(task, { transferList: [port2] }).then(
      () => ended('it returned'),
      (err: unknown) => ended(`it crashed: ${err instanceof Error ? err.message : String(err)}`, err),
    );
    // The pool's rejection says who threw; the port may close first, so give the task a moment to settle.
    const settled = ref.task;
    port1.on('close', () => {
      const grace = setTimeout(() => ended('its worker thread exited'), PORT_CLOSE_GRACE_MS).unref();
      void settled.then(() => clearTimeout(grace));
    });
  }

  /**
   * Restarts after the backoff delay, or marks the actor failed once its own crashes reach the limit in
   * the window. A neighbour's crash (`counted` false) restarts it after the base delay without counting.
   */
  private scheduleRestart(ref: ActorRef, reason: string, counted: boolean): void {
    const now = Date.now();
    while (ref.restartTimes.length > 0 && (ref.restartTimes[0] ?? 0) < now - ref.policy.windowMs) ref.restartTimes.shift();
    if (counted && ref.restartTimes.length >= ref.policy.maxRestarts) {
      this.setState(ref, 'failed', `gave up after ${ref.restartTimes.length} restarts in ${Math.round(ref.policy.windowMs / 1000)} s; last: ${reason}`);
      this.logger.error({ actor: ref.name }, 'actor failed: restart limit reached');
      return;
    }
    if (counted) ref.restartTimes.push(now);
    ref.restarts++;
    const delay = restartDelay(counted ? ref.restartTimes.length : 1, ref.policy);
    this.setState(ref, 'restarting', counted
      ? `${reason}; restart ${ref.restartTimes.length} in ${delay} ms`
      : `${reason}; restart in ${delay} ms (not counted against its limit)`);
    this.events.onRestart?.(ref);
    ref.timer = setTimeout(() => {
      ref.timer = undefined;
      if (!this.stopping) this.launch(ref);
    }, delay);
  }

  /** Asks every actor to stop and waits for them (bounded); stragglers are left to pool shutdown. */
  async stop(timeoutMs = 2000): Promise<void> {
    this.stopping = true;
    const waits = this.all().map(async (ref) => {
      clearTimeout(ref.timer);
      if (!ref.mailbox || !ref.isUp) return;
      await ref.mailbox.request('actor.stop', {}, { timeoutMs }).catch(() => undefined);
      if (ref.task) await waitAtMost(ref.task, timeoutMs);
    });
    await Promise.all(waits);
  }
}
