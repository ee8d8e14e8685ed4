// A fake OpenAI Chat Completions API (POST /v1/chat/completions, JSON and SSE; GET /v1/models) for the real openai SDK.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isRecord } from './model-fake-text.js';
import { sseFrame, startModelFake } from './model-fake-core.js';
import type { FakeModelServer, ModelFailure, ModelProtocol, ModelReply, SseScript } from './model-fake-core.js';

export type { FakeModelServer, ModelFailure, RecordedModelRequest } from './model-fake-core.js';

/** Model ids the fake lists at GET /v1/models. */
export const FAKE_OPENAI_MODELS = ['gpt-4o', 'gpt-4o-mini', 'gpt-4.1'] as const;

/** OpenAI's error JSON: `{"error":{"message","type","param","code"}}`. */
export function openaiErrorBody(message: string, type: string, code: string | null, param: string | null = null): unknown {
  return { error: { message, type, param, code } };
}

/** 400 a real OpenAI API answers when the messages exceed the model's context window. */
export function openaiContextTooLong(tokens = 130_000, maximum = 128_000): ModelFailure {
  return {
    status: 400,
    body: openaiErrorBody(
      `This model's maximum context length is ${maximum} tokens. However, your messages resulted in ${tokens} tokens. Please reduce the length of the messages.`,
      'invalid_request_error',
      'context_length_exceeded',
      'messages',
    ),
  };
}

/** 429 rate_limit_exceeded with a `retry-after` header in seconds. */
export function openaiRateLimited(retryAfterSeconds = 1): ModelFailure {
  return {
    status: 429,
    headers: { 'retry-after': String(retryAfterSeconds) },
    body: openaiErrorBody(
      `Rate limit reached for requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in ${retryAfterSeconds}s.`,
      'requests',
      'rate_limit_exceeded',
    ),
  };
}

const ERRORS: Record<number, [message: string, type: string, code: string | null]> = {
  400: ['Invalid request', 'invalid_request_error', null],
  // The real message quotes part of the key; the fake never echoes secrets.
  401: ['Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.', 'invalid_request_error', 'invalid_api_key'],
  403: ['You are not allowed to access this resource.', 'invalid_request_error', 'unsupported_country_region_territory'],
  404: ['Not found', 'invalid_request_error', 'unknown_url'],
  429: ['Rate limit reached for requests per min (RPM).', 'requests', 'rate_limit_exceeded'],
  500: ['The server had an error while processing your request. Sorry about that!', 'server_error', null],
  503: ['The engine is currently overloaded, please try again later.', 'server_error', null],
};

function errorBody(status: number, message?: string): unknown {
  const [fallback, type, code] = ERRORS[status] ?? (status >= 500 ? ERRORS[500] : ERRORS[400]) ?? ['Error', 'invalid_request_error', null];
  return openaiErrorBody(message ?? fallback, type, code);
}

function newId(prefix: string): string {
  return `${prefix}${randomBytes(12).toString('hex')}`;
}

const now = (): number => Math.floor(Date.now() / 1000);
const finishReason = (reply: ModelReply): string => (reply.truncated ? 'length' : 'stop');

function usage(reply: ModelReply): Record<string, number> {
  return {
    prompt_tokens: reply.inputTokens,
    completion_tokens: reply.outputTokens,
    total_tokens: reply.inputTokens + reply.outputTokens,
  };
}

function completion(reply: ModelReply): unknown {
  return {
    id: newId('chatcmpl-'),
    object: 'chat.completion',
    created: now(),
    model: reply.model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: reply.text, refusal: null, annotations: [] },
        logprobs: null,
        finish_reason: finishReason(reply),
      },
    ],
    usage: usage(reply),
    service_tier: 'default',
    system_fingerprint: 'fp_fake',
  };
}

function stream(reply: ModelReply, deltas: string[]): SseScript {
  const options = reply.body['stream_options'];
  const includeUsage = isRecord(options) && options['include_usage'] === true;
  const base = { id: newId('chatcmpl-'), object: 'chat.completion.chunk', created: now(), model: reply.model, system_fingerprint: 'fp_fake' };
  // With include_usage every chunk carries `usage: null` and one extra chunk with empty choices carries it.
  const chunk = (delta: Record<string, unknown>, finish: string | null): string =>
    sseFrame({
      ...base,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
      ...(includeUsage ? { usage: null } : {}),
    });
  return {
    head: [chunk({ role: 'assistant', content: '', refusal: null }, null)],
    deltas: deltas.map((content) => chunk({ content }, null)),
    tail: [
      chunk({}, finishReason(reply)),
      ...(includeUsage ? [sseFrame({ ...base, choices: [], usage: usage(reply) })] : []),
      sseFrame('[DONE]'),
    ],
  };
}

function presentedKey(req: IncomingMessage): string | undefined {
  const auth = req.headers.authorization;
  return auth?.startsWith('Bearer ') ? auth.slice('Bearer '.length) : undefined;
}

function getRoute(path: string): unknown {
  if (path !== '/v1/models') return undefined;
  return { object: 'list', data: FAKE_OPENAI_MODELS.map((id) => ({ id, object: 'model', created: 1_715_367_049, owned_by: 'system' })) };
}

const openaiProtocol: ModelProtocol = {
  basePath: '/v1',
  callPath: '/v1/chat/completions',
  requestIdHeader: 'x-request-id',
  newRequestId: () => newId('req_'),
  presentedKey,
  errorBody,
  maxTokens: (body) => body['max_completion_tokens'] ?? body['max_tokens'],
  completion,
  stream,
  getRoute,
};

/** Starts the fake; use `url` (it ends in /v1) as the SDK's `baseURL`. With `apiKey`, any other key gets a 401. */
export async function startFakeOpenAI(opts: { apiKey?: string } = {}): Promise<FakeModelServer> {
  return startModelFake(openaiProtocol, opts.apiKey);
}
