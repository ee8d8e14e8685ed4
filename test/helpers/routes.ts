// Every HTTP route a running gateway serves, read from the same factories server.ts registers (so a new route cannot be missed).
import { healthRoutes } from '../../src/gateway/http/health.js';
import { apiRoutes } from '../../src/gateway/http/api-routes.js';
import { openaiRoutes } from '../../src/gateway/http/openai-routes.js';
import { telegramWebhookRoutes } from '../../src/channels/telegram/webhook.js';
import { buildConfig } from '../../src/config/load.js';
import type { GatewayApi } from '../../src/gateway/api.js';
import type { ActorRef } from '../../src/actors/supervisor.js';

export interface RouteInfo { method: string; pattern: string; auth: boolean }

/** Method, pattern and auth flag of each route (the Telegram webhook as in webhook mode); handlers are never called. */
export function allRoutes(): RouteInfo[] {
  const api = {} as GatewayApi;
  const { config } = buildConfig({ channels: { telegram: { bot_token: '1:x', mode: 'webhook', webhook_secret: 'x' } } }, {});
  return [
    ...telegramWebhookRoutes(config, {} as ActorRef),
    ...healthRoutes({ version: '', parts: () => [], status: () => ({}) }),
    ...apiRoutes(api, 1024),
    ...openaiRoutes(api, { models: ['echo'], maxBody: 1024 }),
    { method: 'GET', pattern: '/metrics', auth: true },
  ].map(({ method, pattern, auth }) => ({ method, pattern, auth }));
}
