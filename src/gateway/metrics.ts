// Prometheus metrics (prom-client): HTTP, WebSocket, messages, agent latency and tokens, actors.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from '../vendor/prom-client.js';
import type { AgentResult } from '../actors/messages.js';
import type { EventSink, MessageEvent } from '../actors/router.js';
import type { Route } from './http/router.js';

export interface MetricSources {
  wsConnections(): number;
  slowConsumersClosed(): number;
  actors(): Array<{ name: string; depth: number; up: boolean }>;
}

export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly http = new Counter({ name: 'clanker_http_requests_total', help: 'HTTP requests by route, method and status', labelNames: ['route', 'method', 'status'], registers: [this.registry] });
  private readonly messages = new Counter({ name: 'clanker_messages_total', help: 'Messages by channel and direction', labelNames: ['channel', 'direction'], registers: [this.registry] });
  private readonly agentLatency = new Histogram({
    name: 'clanker_agent_latency_seconds', help: 'Time of an agent call, including retries and fallback', labelNames: ['provider', 'outcome'],
    buckets: [0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60], registers: [this.registry],
  });
  private readonly tokens = new Counter({ name: 'clanker_agent_tokens_total', help: 'Model tokens by provider and direction', labelNames: ['provider', 'direction'], registers: [this.registry] });
  private readonly restarts = new Counter({ name: 'clanker_actor_restarts_total', help: 'Actor restarts by actor', labelNames: ['actor'], registers: [this.registry] });

  constructor(sources: MetricSources) {
    collectDefaultMetrics({ register: this.registry, prefix: 'clanker_' });
    new Gauge({ name: 'clanker_ws_connections', help: 'Open WebSocket connections', registers: [this.registry], collect() { this.set(sources.wsConnections()); } });
    new Gauge({ name: 'clanker_ws_slow_consumers_closed', help: 'WebSocket clients closed for not reading (1013)', registers: [this.registry], collect() { this.set(sources.slowConsumersClosed()); } });
    new Gauge({
      name: 'clanker_actor_mailbox_depth', help: 'Requests waiting or in progress per actor', labelNames: ['actor'], registers: [this.registry],
      collect() { for (const a of sources.actors()) this.set({ actor: a.name }, a.depth); },
    });
    new Gauge({
      name: 'clanker_actor_up', help: '1 when the actor is up', labelNames: ['actor'], registers: [this.registry],
      collect() { for (const a of sources.actors()) this.set({ actor: a.name }, a.up ? 1 : 0); },
    });
  }

  httpRequest(route: string, method: string, status: number): void {
    this.http.inc({ route, method, status: String(status) });
  }

  actorRestarted(actor: string): void {
    this.restarts.inc({ actor });
  }

  agentFinished(result: AgentResult, ms: number): void {
    const provider = result.ok ? result.provider : (result.attempts[result.attempts.length - 1]?.provider ?? 'none');
    this.agentLatency.observe({ provider, outcome: result.ok ? 'ok' : 'failed' }, ms / 1000);
    if (result.ok) {
      this.tokens.inc({ provider, direction: 'in' }, result.usage.input);
      this.tokens.inc({ provider, direction: 'out' }, result.usage.output);
    }
  }

  /** Wraps an event sink so every message it publishes is also counted. */
  counting(sink: EventSink): EventSink {
    return {
      message: (event: MessageEvent) => {
        this.messages.inc({ channel: event.channel, direction: event.direction });
        sink.message(event);
      },
      delta: (session, text, reset) => sink.delta(session, text, reset),
    };
  }

  route(): Route {
    return {
      method: 'GET', pattern: '/metrics', auth: true,
      handler: async (ex) => ex.send(200, await this.registry.metrics(), { 'content-type': this.registry.contentType }),
    };
  }
}
