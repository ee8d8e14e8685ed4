// Liveness, readiness and status routes (/health, /ready, /api/status and their orchestrator aliases).
import type { Route } from './router.js';

export type PartStateName = 'up' | 'starting' | 'degraded' | 'down' | 'failed';

/** One part of the gateway that /ready reports on: an actor, a channel, the provider, the store. */
export interface PartState { name: string; state: PartStateName; detail?: string }

export interface HealthSources {
  version: string;
  parts(): PartState[];
  status(): Record<string, unknown>;
}

/** Ready when every part is up or degraded (degraded still serves: e.g. a fallback provider). */
export function readiness(parts: PartState[]): { ready: boolean; notReady: PartState[] } {
  const notReady = parts.filter((p) => p.state !== 'up' && p.state !== 'degraded');
  return { ready: notReady.length === 0, notReady };
}

export function healthRoutes(src: HealthSources): Route[] {
  const health: Route['handler'] = (ex) => ex.json(200, { status: 'ok', version: src.version });
  const ready: Route['handler'] = (ex) => {
    const parts = src.parts();
    const { ready: ok, notReady } = readiness(parts);
    ex.json(ok ? 200 : 503, ok
      ? { status: 'ready', parts }
      : { status: 'not_ready', not_ready: notReady.map((p) => p.detail ? `${p.name}: ${p.state} (${p.detail})` : `${p.name}: ${p.state}`), parts });
  };
  return [
    { method: 'GET', pattern: '/health', auth: false, handler: health },
    { method: 'GET', pattern: '/healthz', auth: false, handler: health },
    { method: 'GET', pattern: '/ready', auth: true, handler: ready },
    { method: 'GET', pattern: '/readyz', auth: true, handler: ready },
    { method: 'GET', pattern: '/api/status', auth: true, handler: (ex) => ex.json(200, src.status()) },
  ];
}
