// OpenAI-compatible routes: `POST /v1/chat/completions` (JSON or SSE) and `GET /v1/models`, answered through GatewayApi.chat.
import { randomUUID } from 'node:crypto';
import type { GatewayApi } from '../api.js';
import type { TurnReply } from '../../actors/router.js';
import { AppError } from '../../errors.js';
import { parseParams } from '../validate.js';
import { CompletionRequest, chunkLine, completionObject, mapRequest, openaiUsage, sseData } from '../openai-compat.js';
import type { HttpExchange } from './exchange.js';
import type { Route } from './router.js';

export interface OpenAiRouteOptions {
  /** The configured model(s): the primary first, then the fallback's. */
  models: readonly string[];
  maxBody: number;
}

/** A turn that got a canned reply (budget spent, every provider failed) is an error to an OpenAI client. */
function replyError(reply: TurnReply): AppError | undefined {
  if (reply.ok) return undefined;
  return reply.failure === 'budget' ? new AppError('budget_exceeded', reply.text) : new AppError('provider_unavailable', reply.text);
}

const now = (): number => Math.floor(Date.now() / 1000);

async function complete(api: GatewayApi, ex: HttpExchange, req: CompletionRequest, model: string): Promise<void> {
  const turn = mapRequest(req);
  const id = `chatcmpl-${randomUUID().replaceAll('-', '')}`;
  if (req.stream !== true) {
    const reply = await api.chat({ session: turn.session, text: turn.text }, 'openai', undefined, turn.prior);
    const err = replyError(reply);
    if (err) throw err;
    ex.json(200, completionObject(id, now(), reply.model ?? model, reply.text, reply.usage), { 'x-clanker-session': reply.session });
    return;
  }

  // Headers wait for the first delta, so a turn refused before any text still gets a real HTTP error status.
  const base = { id, created: now(), model, includeUsage: req.stream_options?.include_usage === true };
  let started = false;
  let broken = false;
  const start = (session: string): boolean => {
    if (!started) {
      started = ex.beginStream(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'x-clanker-session': session });
      if (started) ex.write(chunkLine(base, { role: 'assistant', content: '' }, null));
    }
    return started;
  };
  const reply = await api.chat({ session: turn.session, text: turn.text }, 'openai', (delta) => {
    if (broken || !start(delta.session)) return;
    if (delta.reset) {
      // SSE cannot take back text already sent: end the stream with an error rather than a garbled answer.
      broken = true;
      ex.write(sseData({ error: { code: 'provider_unavailable', message: `the provider failed mid-answer and the gateway retried; the streamed text is incomplete (the final answer is stored in session ${delta.session})` } }));
      ex.end();
      return;
    }
    ex.write(chunkLine(base, { content: delta.text }, null));
  }, turn.prior);
  if (broken) return;
  const err = replyError(reply);
  if (err && !started) throw err;
  if (!start(reply.session)) return; // the client went away; the turn is still stored in its session
  if (err) {
    ex.end(sseData({ error: err.toJSON() }));
    return;
  }
  ex.write(chunkLine(base, {}, 'stop'));
  if (base.includeUsage) ex.write(sseData({ id, object: 'chat.completion.chunk', created: base.created, model, choices: [], usage: openaiUsage(reply.usage) }));
  ex.end(sseData('[DONE]'));
}

export function openaiRoutes(api: GatewayApi, opts: OpenAiRouteOptions): Route[] {
  const created = now();
  const modelObject = (id: string): Record<string, unknown> => ({ id, object: 'model', created, owned_by: 'open-clanker' });
  const primary = opts.models[0] ?? 'default';
  return [
    {
      method: 'POST', pattern: '/v1/chat/completions', auth: true,
      handler: async (ex) => complete(api, ex, parseParams(CompletionRequest, await ex.readJson(opts.maxBody), 'body'), primary),
    },
    { method: 'GET', pattern: '/v1/models', auth: true, handler: (ex) => ex.json(200, { object: 'list', data: opts.models.map(modelObject) }) },
    {
      method: 'GET', pattern: '/v1/models/:id', auth: true,
      handler: (ex, params) => {
        const id = params.id ?? '';
        if (!opts.models.includes(id)) throw new AppError('not_found', `model ${id} is not configured (GET /v1/models lists the ones that are)`);
        ex.json(200, modelObject(id));
      },
    },
  ];
}
