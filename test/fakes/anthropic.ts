// A fake Anthropic Messages API (POST /v1/messages, JSON and SSE) for the real @anthropic-ai/sdk to talk to.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { sseFrame, startModelFake } from './model-fake-core.js';
import type { FakeModelServer, ModelFailure, ModelProtocol, ModelReply, SseScript } from './model-fake-core.js';

export type { FakeModelServer, ModelFailure, RecordedModelRequest } from './model-fake-core.js';

/** Anthropic's error JSON: `{"type":"error","error":{"type":..., "message":...}}`. */
export function anthropicErrorBody(type: string, message: string): unknown {
  return { type: 'error', error: { type, message } };
}

/** 400 a real Anthropic API answers when the prompt exceeds the model's context window. */
export function anthropicContextTooLong(tokens = 210_000, maximum = 200_000): ModelFailure {
  return { status: 400, body: anthropicErrorBody('invalid_request_error', `prompt is too long: ${tokens} tokens > ${maximum} maximum`) };
}

/** 529 overloaded_error, which Anthropic returns under load. */
export function anthropicOverloaded(): ModelFailure {
  return { status: 529, body: anthropicErrorBody('overloaded_error', 'Overloaded') };
}

/** 429 rate_limit_error with a `retry-after` header in seconds. */
export function anthropicRateLimited(retryAfterSeconds = 1): ModelFailure {
  return {
    status: 429,
    headers: { 'retry-after': String(retryAfterSeconds) },
    body: anthropicErrorBody('rate_limit_error', 'This request would exceed the rate limit for your organization of 50 requests per minute.'),
  };
}

const ERROR_TYPES: Record<number, [type: string, message: string]> = {
  400: ['invalid_request_error', 'Invalid request'],
  401: ['authentication_error', 'invalid x-api-key'],
  403: ['permission_error', 'Your API key does not have permission to use the specified resource.'],
  404: ['not_found_error', 'Not found'],
  413: ['request_too_large', 'Request exceeds the maximum allowed number of bytes.'],
  429: ['rate_limit_error', 'Rate limited'],
  500: ['api_error', 'Internal server error'],
  529: ['overloaded_error', 'Overloaded'],
};

function errorBody(status: number, message?: string): unknown {
  const [type, fallback] = ERROR_TYPES[status] ?? (status >= 500 ? ['api_error', 'Internal server error'] : ['invalid_request_error', 'Invalid request']);
  return anthropicErrorBody(type, message ?? fallback);
}

function newId(prefix: string): string {
  return `${prefix}${randomBytes(12).toString('hex')}`;
}

function usage(inputTokens: number, outputTokens: number): Record<string, unknown> {
  return {
    input_tokens: inputTokens,
    output_tokens: outputTokens,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    service_tier: 'standard',
  };
}

function message(reply: ModelReply, id: string, content: unknown[], stopReason: string | null, outputTokens: number): Record<string, unknown> {
  return {
    id,
    type: 'message',
    role: 'assistant',
    model: reply.model,
    content,
    stop_reason: stopReason,
    stop_sequence: null,
    usage: usage(reply.inputTokens, outputTokens),
  };
}

const stopReason = (reply: ModelReply): string => (reply.truncated ? 'max_tokens' : 'end_turn');

function completion(reply: ModelReply): unknown {
  return message(reply, newId('msg_'), [{ type: 'text', text: reply.text, citations: null }], stopReason(reply), reply.outputTokens);
}

function stream(reply: ModelReply, deltas: string[]): SseScript {
  const ev = (type: string, data: Record<string, unknown>): string => sseFrame({ type, ...data }, type);
  return {
    head: [
      ev('message_start', { message: message(reply, newId('msg_'), [], null, 1) }),
      ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
      ev('ping', {}),
    ],
    deltas: deltas.map((text) => ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text } })),
    tail: [
      ev('content_block_stop', { index: 0 }),
      ev('message_delta', { delta: { stop_reason: stopReason(reply), stop_sequence: null }, usage: { output_tokens: reply.outputTokens } }),
      ev('message_stop', {}),
    ],
  };
}

/** SDK 1.x sends `Authorization: Bearer`, 0.x sends `x-api-key`: accept either. */
function presentedKey(req: IncomingMessage): string | undefined {
  const header = req.headers['x-api-key'];
  if (typeof header === 'string') return header;
  const auth = req.headers.authorization;
  return auth?.startsWith('Bearer ') ? auth.slice('Bearer '.length) : undefined;
}

const anthropicProtocol: ModelProtocol = {
  basePath: '',
  callPath: '/v1/messages',
  requestIdHeader: 'request-id',
  newRequestId: () => newId('req_'),
  presentedKey,
  errorBody,
  maxTokens: (body) => body['max_tokens'],
  completion,
  stream,
};

/** Starts the fake; use `url` as the SDK's `baseURL`. With `apiKey`, any other key gets a 401. */
export async function startFakeAnthropic(opts: { apiKey?: string } = {}): Promise<FakeModelServer> {
  return startModelFake(anthropicProtocol, opts.apiKey);
}
