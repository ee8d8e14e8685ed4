// Main-thread side of agent calls: runs as many agent actors as worker threads, sends each call to the least busy,
// relays its deltas, tracks provider health.
import type { Config, ProviderId } from '../config/schema.js';
import type { PartState } from '../gateway/http/health.js';
import type { AgentRunner } from '../actors/router.js';
import type { ActorRef, Supervisor } from '../actors/supervisor.js';
import { AgentDelta, AgentResult, type AgentActorOptions, type AgentCall, type ProviderSettings } from '../actors/messages.js';
import { ConcurrencyLimiter } from './limiter.js';

const AGENT_MODULE = new URL('./agent-actor.js', import.meta.url).href;

/** How long a provider that refused our key is skipped before it is tried again. */
const AUTH_COOLDOWN_MS = 5 * 60_000;

export interface ProviderHealth { provider: ProviderId; model: string; healthy: boolean; detail?: string; lastRequestId?: string }

type DeltaListener = (text: string, reset: boolean) => void;

export class AgentDispatcher implements AgentRunner {
  private readonly unhealthyUntil = new Map<ProviderId, { until: number; detail: string }>();
  private readonly primary: ProviderSettings;
  private readonly fallback: ProviderSettings | undefined;
  private readonly actors: ActorRef[] = [];
  /** Calls in flight by id: where their deltas go. */
  private readonly calls = new Map<number, DeltaListener>();
  private lastCall = 0;
  /** A call's answer may take every attempt of both providers; a lost one must still end. */
  private readonly callLimitMs: number;
  /** Bounds calls in flight (agent.max_concurrency); a fallback runs inside the primary's slot. */
  readonly limiter: ConcurrencyLimiter;

  /** Told of every finished call (metrics); set by the gateway, which loads after the actors started. */
  onFinished: ((result: AgentResult, ms: number) => void) | undefined;

  constructor(supervisor: Supervisor, config: Config, threads: number) {
    const a = config.agent;
    this.limiter = new ConcurrencyLimiter(a.max_concurrency, a.max_concurrency * 32);
    this.callLimitMs = 2 * (a.max_retries + 1) * (a.timeout_ms + 30_000);
    this.primary = { provider: a.provider as ProviderId, model: a.model, api_key: a.api_key, base_url: a.base_url };
    this.fallback = a.fallback.provider === ''
      ? undefined
      : { provider: a.fallback.provider, model: a.fallback.model, api_key: a.fallback.api_key, base_url: a.fallback.base_url };
    const options: AgentActorOptions = {
      store: { dataDir: config.storage.data_dir, mapSizeMb: config.storage.map_size_mb },
      agent: {
        primary: this.primary,
        ...(this.fallback ? { fallback: this.fallback } : {}),
        max_tokens: a.max_tokens, system_prompt: a.system_prompt, timeout_ms: a.timeout_ms,
        max_retries: a.max_retries, history_tokens: a.history_tokens,
      },
    };
    for (let i = 1; i <= threads; i++) {
      this.actors.push(supervisor.start({
        name: `agent-${i}`, module: AGENT_MODULE, options, capacity: a.max_concurrency,
        wire: (mailbox) => mailbox.on('agent.delta', AgentDelta, (d) => this.calls.get(d.call)?.(d.text, d.reset === true)),
      }));
    }
  }

  /** Resolves once every agent actor is up (see ActorRef.whenUp). */
  async whenUp(timeoutMs: number): Promise<void> {
    await Promise.all(this.actors.map((ref) => ref.whenUp(timeoutMs)));
  }

  private skipped(now = Date.now()): ProviderId[] {
    return [...this.unhealthyUntil].filter(([, v]) => v.until > now).map(([k]) => k);
  }

  /** The up actor with the fewest calls in flight; while none is up, the first (a request waits for it). */
  private pick(): ActorRef {
    let best: ActorRef | undefined;
    for (const ref of this.actors) {
      if (ref.isUp && (!best || (ref.mailbox?.depth ?? 0) < (best.mailbox?.depth ?? 0))) best = ref;
    }
    return best ?? (this.actors[0] as ActorRef);
  }

  async run(session: string, seq: number, onDelta: DeltaListener): Promise<AgentResult> {
    const id = ++this.lastCall;
    this.calls.set(id, onDelta);
    const started = Date.now();
    try {
      const result = await this.limiter.run(() => {
        const call: AgentCall = { call: id, session, seq, skip: this.skipped() };
        return this.pick().request('agent.run', call, { timeoutMs: this.callLimitMs, session, reply: AgentResult }) as Promise<AgentResult>;
      });
      this.record(result);
      this.onFinished?.(result, Date.now() - started);
      return result;
    } finally {
      this.calls.delete(id);
    }
  }

  private record(result: AgentResult): void {
    for (const a of result.attempts) {
      if (a.outcome === 'auth') {
        this.unhealthyUntil.set(a.provider, { until: Date.now() + AUTH_COOLDOWN_MS, detail: `refused our API key (HTTP ${a.status ?? '401'})` });
      } else if (a.outcome === 'ok') {
        this.unhealthyUntil.delete(a.provider);
      }
    }
  }

  health(now = Date.now()): ProviderHealth[] {
    return [this.primary, ...(this.fallback ? [this.fallback] : [])].map((p) => {
      const bad = this.unhealthyUntil.get(p.provider);
      const healthy = !bad || bad.until <= now;
      return { provider: p.provider, model: p.model, healthy, ...(healthy ? {} : { detail: bad?.detail }) };
    });
  }

  /** Up when the primary is healthy, degraded when only the fallback is, down when none is. */
  part(now = Date.now()): PartState {
    const [primary, fallback] = this.health(now);
    if (primary?.healthy) return { name: 'agent', state: 'up' };
    if (fallback?.healthy) return { name: 'agent', state: 'degraded', detail: `${primary?.provider}: ${primary?.detail}; using fallback ${fallback.provider}` };
    return { name: 'agent', state: 'down', detail: `${primary?.provider}: ${primary?.detail}` };
  }
}
