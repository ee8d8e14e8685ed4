// Main-thread side of agent calls: builds each task, runs it in the pool, relays deltas, tracks provider health.
import { MessageChannel } from 'node:worker_threads';
import type { Piscina } from 'piscina';
import type { Config, ProviderId } from '../config/schema.js';
import type { PartState } from '../gateway/http/health.js';
import type { AgentRunner } from '../actors/router.js';
import { AgentDelta, type AgentResult, type AgentTask, type ProviderSettings } from '../actors/messages.js';
import { Mailbox } from '../actors/mailbox.js';
import { ConcurrencyLimiter } from './limiter.js';
import { waitAtMost } from '../wait.js';

/** How long a provider that refused our key is skipped before it is tried again. */
const AUTH_COOLDOWN_MS = 5 * 60_000;

/** How long an answered call waits for its last deltas (they are normally there already). */
const DELTA_DRAIN_MS = 1000;

export interface ProviderHealth { provider: ProviderId; model: string; healthy: boolean; detail?: string; lastRequestId?: string }

export class AgentDispatcher implements AgentRunner {
  private readonly unhealthyUntil = new Map<ProviderId, { until: number; detail: string }>();
  private readonly primary: ProviderSettings;
  private readonly fallback: ProviderSettings | undefined;
  private readonly base: Omit<AgentTask, 'session' | 'seq' | 'port' | 'agent'> & { agent: Omit<AgentTask['agent'], 'skip'> };
  /** Bounds calls in flight (agent.max_concurrency); a fallback runs inside the primary's slot. */
  readonly limiter: ConcurrencyLimiter;

  constructor(private readonly pool: Piscina, config: Config, log: AgentTask['log'], private readonly onFinished?: (result: AgentResult, ms: number) => void) {
    const a = config.agent;
    this.limiter = new ConcurrencyLimiter(a.max_concurrency, a.max_concurrency * 32);
    this.primary = { provider: a.provider as ProviderId, model: a.model, api_key: a.api_key, base_url: a.base_url };
    this.fallback = a.fallback.provider === ''
      ? undefined
      : { provider: a.fallback.provider, model: a.fallback.model, api_key: a.fallback.api_key, base_url: a.fallback.base_url };
    this.base = {
      kind: 'agent',
      store: { dataDir: config.storage.data_dir, mapSizeMb: config.storage.map_size_mb },
      agent: {
        primary: this.primary,
        ...(this.fallback ? { fallback: this.fallback } : {}),
        max_tokens: a.max_tokens, system_prompt: a.system_prompt, timeout_ms: a.timeout_ms,
        max_retries: a.max_retries, history_tokens: a.history_tokens,
      },
      log,
    };
  }

  private skipped(now = Date.now()): ProviderId[] {
    return [...this.unhealthyUntil].filter(([, v]) => v.until > now).map(([k]) => k);
  }

  async run(session: string, seq: number, onDelta: (text: string, reset: boolean) => void): Promise<AgentResult> {
    const { port1, port2 } = new MessageChannel();
    const mailbox = new Mailbox(port1, { capacity: 1, name: `agent ${session}`, self: 'main' });
    mailbox.on('agent.delta', AgentDelta, (d) => onDelta(d.text, d.reset === true));
    // The worker closes its end when the call ends, and a port delivers every message sent before its close;
    // the task's result comes over another port and can overtake the last deltas.
    const workerClosed = new Promise<void>((resolve) => port1.once('close', () => resolve()));
    const task: AgentTask = { ...this.base, agent: { ...this.base.agent, skip: this.skipped() }, session, seq, port: port2 };
    const started = Date.now();
    try {
      const result = await this.limiter.run(() => this.pool.run(task, { transferList: [port2] }) as Promise<AgentResult>);
      await waitAtMost(workerClosed, DELTA_DRAIN_MS);
      this.record(result);
      this.onFinished?.(result, Date.now() - started);
      return result;
    } finally {
      mailbox.close();
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
