// HTTP routes of the gateway API (/api/*): JSON in, JSON out, errors as {"error":{"code","message"}}.
import type { GatewayApi } from '../api.js';
import { parseParams } from '../validate.js';
import { ChatParams, HistoryParams, PairingApproveParams, SendParams, SessionParams } from '../api-schemas.js';
import type { Route } from './router.js';

export function apiRoutes(api: GatewayApi, maxBody: number): Route[] {
  return [
    {
      method: 'POST', pattern: '/api/chat', auth: true,
      handler: async (ex) => {
        const params = parseParams(ChatParams, await ex.readJson(maxBody), 'body');
        const reply = await api.chat(params, 'http');
        ex.json(200, { session: reply.session, text: reply.text, usage: reply.usage });
      },
    },
    {
      method: 'POST', pattern: '/api/message', auth: true,
      handler: async (ex) => ex.json(200, await api.send(parseParams(SendParams, await ex.readJson(maxBody), 'body'))),
    },
    { method: 'GET', pattern: '/api/sessions', auth: true, handler: (ex) => ex.json(200, api.sessions()) },
    {
      method: 'GET', pattern: '/api/sessions/:id/messages', auth: true,
      handler: (ex, params) => {
        const limit = ex.query.get('limit');
        const p = parseParams(HistoryParams, { session: params.id, ...(limit === null ? {} : { limit: Number(limit) }) }, 'query');
        ex.json(200, api.history(p));
      },
    },
    {
      method: 'DELETE', pattern: '/api/sessions/:id', auth: true,
      handler: async (ex, params) => ex.json(200, await api.reset(parseParams(SessionParams, { session: params.id }, 'path').session)),
    },
    {
      method: 'POST', pattern: '/api/pairing/approve', auth: true,
      handler: async (ex) => ex.json(200, await api.approvePairing(parseParams(PairingApproveParams, await ex.readJson(maxBody), 'body'))),
    },
  ];
}
