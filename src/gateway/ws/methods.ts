// The WebSocket methods: each validates its params and calls the shared GatewayApi.
import type { WebSocket } from '../uws.js';
import type { GatewayApi } from '../api.js';
import { parseParams } from '../validate.js';
import { ChatParams, HistoryParams, NoParams, SendParams, SessionParams, TopicsParams } from '../api-schemas.js';
import { sendDirectEvent, type ConnectionData, type MethodHandler } from './connection.js';

function subscribed(ws: WebSocket<ConnectionData>): string[] {
  return ws.getTopics().map((t) => Buffer.from(t).toString());
}

export function wsMethods(api: GatewayApi): Map<string, MethodHandler> {
  const params = (frame: { params?: unknown }) => frame.params ?? {};
  return new Map<string, MethodHandler>([
    ['ping', (_ws, f) => { parseParams(NoParams, params(f)); return { pong: Date.now() }; }],
    ['status', (_ws, f) => { parseParams(NoParams, params(f)); return api.status(); }],
    ['subscribe', (ws, f) => {
      for (const topic of parseParams(TopicsParams, params(f)).topics) ws.subscribe(topic);
      return { topics: subscribed(ws) };
    }],
    ['unsubscribe', (ws, f) => {
      for (const topic of parseParams(TopicsParams, params(f)).topics) ws.unsubscribe(topic);
      return { topics: subscribed(ws) };
    }],
    ['chat', async (ws, f) => {
      const p = parseParams(ChatParams, params(f));
      const reply = await api.chat(p, 'ws', (delta) => sendDirectEvent(ws, 'chat.delta', delta));
      return { session: reply.session, text: reply.text, usage: reply.usage };
    }],
    ['send', (_ws, f) => api.send(parseParams(SendParams, params(f)))],
    ['sessions.list', (_ws, f) => { parseParams(NoParams, params(f)); return api.sessions(); }],
    ['sessions.history', (_ws, f) => api.history(parseParams(HistoryParams, params(f)))],
    ['sessions.reset', (_ws, f) => api.reset(parseParams(SessionParams, params(f)).session)],
  ]);
}
