// The composition root of a running gateway: store, actors, agent, channels and the uWS front door.
import type { Piscina } from 'piscina';
import type { Config } from './config/schema.js';
import type { Logger } from './log/logger.js';
import { Gateway } from './gateway/app.js';
import { healthRoutes, type PartState } from './gateway/http/health.js';
import { apiRoutes } from './gateway/http/api-routes.js';
import { openaiRoutes } from './gateway/http/openai-routes.js';
import { GatewayApi } from './gateway/api.js';
import { EventHub } from './gateway/ws/hub.js';
import { wsBehavior } from './gateway/ws/connection.js';
import { wsMethods } from './gateway/ws/methods.js';
import { MemoryGuard, RequestLimiter } from './gateway/limits.js';
import { GatewayMetrics } from './gateway/metrics.js';
import type { ActorRef, Supervisor } from './actors/supervisor.js';
import { Router } from './actors/router.js';
import { closeDbs, openDbs } from './store/lmdb.js';
import { StoreReader } from './store/store.js';
import { StoreClient } from './store/client.js';
import type { AgentDispatcher } from './agent/dispatcher.js';
import { budgetGuard, gatewayBudget } from './agent/budget-guard.js';
import { channelSpecs } from './channels/registry.js';
import { wireChannel } from './channels/channel.js';
import { telegramWebhookRoutes } from './channels/telegram/webhook.js';
import { VERSION } from './version.js';

export interface RunningServer {
  port: number;
  stop(): Promise<void>;
}

/** What the caller started before loading this module: the pool and the actors take a while to boot. */
export interface EarlyStart {
  pool: Piscina;
  supervisor: Supervisor;
  /** The persistence actor, started from persistenceSpec. */
  persistence: ActorRef;
  /** The agent actors, started with the store actor. */
  agent: AgentDispatcher;
}

/** Starts the gateway around the pool, supervisor, store actor and agent actors the caller started (see `clanker serve`). */
export async function startServer(config: Config, logger: Logger, early: EarlyStart): Promise<RunningServer> {
  const startedAt = Date.now();
  const { pool, supervisor, persistence, agent } = early;
  const dbs = openDbs(config.storage.data_dir, config.storage.map_size_mb);
  const limiter = new RequestLimiter(config.server.rate_limit_per_minute);
  const metrics = new GatewayMetrics({
    wsConnections: () => hub.connections,
    slowConsumersClosed: () => hub.slowClosed,
    actors: () => supervisor.all().map((r) => ({ name: r.name, depth: r.mailbox?.depth ?? 0, up: r.isUp })),
  });
  const gateway = new Gateway({
    config, logger, routes: [],
    observe: (route, method, status) => metrics.httpRequest(route, method, status),
    // /health stays outside the limits: orchestrators poll it and it reveals nothing.
    guards: [(ex, route) => { if (route.auth) limiter.check(ex.remote); }],
    onAuthFailure: (remote) => limiter.authFailures.hit(remote),
  });
  const channels = new Map<string, ActorRef>();
  const hub = new EventHub(gateway.uwsApp, config.server.ws_max_buffer_bytes);
  supervisor.observe({
    onState: (ref) => channels.has(ref.name)
      ? hub.state('channel.state', { channel: ref.name, state: ref.state, detail: ref.detail ?? null, ...ref.info })
      : hub.state('actor.state', { actor: ref.name, state: ref.state, detail: ref.detail ?? null }),
    onRestart: (ref) => metrics.actorRestarted(ref.name),
  });
  const store = new StoreClient(new StoreReader(dbs), persistence);
  agent.onFinished = (result, ms) => metrics.agentFinished(result, ms);
  const memory = new MemoryGuard(config.server.max_rss_mb, (over, rssMb) =>
    logger.warn({ rssMb, limitMb: config.server.max_rss_mb }, over ? 'memory above server.max_rss_mb: shedding new work' : 'memory back under server.max_rss_mb'));
  const router = new Router({ store, agent, events: metrics.counting(hub), budget: budgetGuard(config, store.read), channels, logger });
  for (const spec of channelSpecs(config)) {
    channels.set(spec.name, supervisor.start({ ...spec, wire: (mailbox) => wireChannel(mailbox, router, store, config) }));
  }
  gateway.addRoutes(telegramWebhookRoutes(config, channels.get('telegram'), {
    lockedOut: (remote) => limiter.authFailures.over(remote),
    failed: (remote) => limiter.authFailures.hit(remote),
  }));

  const parts = (): PartState[] => [{ name: 'gateway', state: 'up' }, ...supervisor.parts(), agent.part()];
  const status = (): Record<string, unknown> => ({
    version: VERSION,
    uptime_s: Math.round((Date.now() - startedAt) / 1000),
    agent: { provider: config.agent.provider, model: config.agent.model, providers: agent.health() },
    channels: Object.fromEntries([...channels].map(([name, ref]) => [name, { state: ref.state, detail: ref.detail ?? null, ...ref.info }])),
    actors: supervisor.all().map((r) => ({ name: r.name, state: r.state, restarts: r.restarts })),
    connections: hub.connections,
    usage: { total: store.read.usageTotal(), today: store.read.usageDay(), budget: gatewayBudget(config, store.read) },
  });
  const api = new GatewayApi({ router, store, channels, status, admit: () => memory.admit() });
  const models = [...new Set([config.agent.model, ...(config.agent.fallback.provider === '' ? [] : [config.agent.fallback.model])])];
  gateway.addRoutes([
    ...healthRoutes({ version: VERSION, parts, status }), ...apiRoutes(api, config.server.max_payload_bytes),
    ...openaiRoutes(api, { models, maxBody: config.server.max_payload_bytes }), metrics.route(),
  ]);
  gateway.websocket('/ws', wsBehavior({
    version: VERSION,
    authToken: config.server.auth_token,
    maxPayloadBytes: config.server.max_payload_bytes,
    authTimeoutMs: config.server.ws_auth_timeout_ms,
    hub,
    logger,
    methods: wsMethods(api),
    onAuthFailure: (remote) => limiter.authFailures.hit(remote),
    isLockedOut: (remote) => limiter.authFailures.over(remote),
  }));

  const stop = async (): Promise<void> => {
    await gateway.close();
    hub.close();
    memory.close();
    await router.drain(2000);
    await supervisor.stop(1500);
    await pool.destroy();
    await closeDbs(dbs);
  };
  // Listen first so /health answers at once; /ready says 503 until the actors are up.
  const port = await gateway.listen().catch(async (err: unknown) => {
    await stop();
    throw err;
  });
  const scheme = config.server.tls.cert_file ? 'https' : 'http';
  logger.info({ url: `${scheme}://${config.server.host}:${port}`, uws: gateway.uwsBuild, node: process.version, startup_ms: Date.now() - startedAt }, 'gateway listening');
  Promise.all([persistence.whenUp(30_000), agent.whenUp(30_000)]).then(() => {
    logger.info({ startup_ms: Date.now() - startedAt }, 'gateway ready');
    const resumed = router.resumePending();
    if (resumed > 0) logger.info({ count: resumed }, 'answering messages accepted before the last stop');
  }, (err: unknown) => logger.error({ err }, 'an actor did not start: messages cannot be accepted or answered until it does'));

  return { port, stop };
}
