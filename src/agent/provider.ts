// The model provider interface every backend implements, and the classification of provider failures.
import type { AgentAttempt, ProviderSettings } from '../actors/messages.js';

export type ProviderId = ProviderSettings['provider'];
export type AttemptOutcome = AgentAttempt['outcome'];
export type FailureOutcome = Exclude<AttemptOutcome, 'ok'>;

export interface ChatMessage {
  role: 'user' | 'assistant';
  content: string;
}

export interface CompletionRequest {
  system: string;
  /** Starts with a user message, alternates roles, ends with a user message. */
  messages: ChatMessage[];
  maxTokens: number;
  signal: AbortSignal;
}

export interface Completion {
  text: string;
  usage: { input: number; output: number };
  /** The provider's own stop reason (`end_turn`, `stop`, `max_tokens`, `length` ...). */
  stopReason: string;
  requestId?: string;
}

export interface Provider {
  readonly id: ProviderId;
  readonly model: string;
  /** Streams the answer through `onDelta` in order; resolves with the whole text. Throws on failure. */
  complete(req: CompletionRequest, onDelta: (text: string) => void): Promise<Completion>;
}

/** A failed provider call, reduced to what the retry policy and the logs need. */
export class ProviderError extends Error {
  constructor(
    readonly outcome: FailureOutcome,
    message: string,
    readonly status?: number,
    readonly retryAfterMs?: number,
    readonly requestId?: string,
  ) {
    super(message);
    this.name = 'ProviderError';
  }

  withRequestId(requestId: string | undefined): ProviderError {
    if (this.requestId !== undefined || requestId === undefined) return this;
    return new ProviderError(this.outcome, this.message, this.status, this.retryAfterMs, requestId);
  }
}

type Fields = Record<string, unknown>;
const isFields = (v: unknown): v is Fields => typeof v === 'object' && v !== null;
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

interface HeaderBag { get(name: string): string | null }
const isHeaderBag = (v: unknown): v is HeaderBag => isFields(v) && typeof v['get'] === 'function';

/** Both SDKs' error type/code live at different depths: the SDK field, OpenAI's inner error, Anthropic's whole body. */
function bodyField(err: Fields, name: 'type' | 'code'): string | undefined {
  const body = err['error'];
  const inner = isFields(body) ? body['error'] : undefined;
  return str(err[name]) ?? (isFields(body) ? str(body[name]) : undefined) ?? (isFields(inner) ? str(inner[name]) : undefined);
}

/** `retry-after-ms` (OpenAI) or `retry-after` in seconds or as an HTTP date. */
export function retryAfterMs(headers: HeaderBag | undefined, now = Date.now()): number | undefined {
  const ms = Number.parseFloat(headers?.get('retry-after-ms') ?? '');
  if (Number.isFinite(ms) && ms >= 0) return Math.round(ms);
  const raw = headers?.get('retry-after');
  if (!raw) return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const date = Date.parse(raw);
  return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}

const CONTEXT_TOO_LONG = /prompt is too long|maximum context length|context length|context window|too many tokens/i;
const TIMEOUT_NAMES = new Set(['APIUserAbortError', 'APIConnectionTimeoutError', 'AbortError', 'TimeoutError']);

function outcomeOf(err: Fields, status: number | undefined, message: string): FailureOutcome {
  // OpenAI's error classes keep name 'Error': the constructor tells them apart.
  const names = [str(err['name']), err.constructor.name];
  const type = bodyField(err, 'type');
  const code = bodyField(err, 'code');
  // The runner's own abort is its timeout; the SDKs report it as a user abort.
  if (names.some((n) => n !== undefined && TIMEOUT_NAMES.has(n))) return 'timeout';
  if (status === 401 || status === 403 || type === 'authentication_error' || type === 'permission_error') return 'auth';
  // An exhausted OpenAI quota comes as a 429 but does not pass with waiting: treat it like a bad key.
  if (code === 'insufficient_quota') return 'auth';
  if (status === 529 || status === 503 || type === 'overloaded_error') return 'overloaded';
  if (status === 429 || type === 'rate_limit_error') return 'rate_limited';
  if (status === 413 || code === 'context_length_exceeded' || ((status === 400 || status === undefined) && CONTEXT_TOO_LONG.test(message))) {
    return 'context_too_long';
  }
  if (status === 408) return 'timeout';
  if (status === 409 || (status !== undefined && status >= 500) || type === 'api_error' || type === 'server_error') return 'server';
  if (status !== undefined && status >= 400) return 'bad_request';
  if (type === 'invalid_request_error') return 'bad_request';
  // Connection errors, and anything else (a body cut mid-stream, a socket reset), count as transient transport failures.
  return 'network';
}

/** Maps whatever a provider call threw (SDK errors of either SDK, aborts, socket errors) to a ProviderError. */
export function classifyError(err: unknown): ProviderError {
  if (err instanceof ProviderError) return err;
  if (!isFields(err)) return new ProviderError('network', String(err));
  const status = typeof err['status'] === 'number' ? err['status'] : undefined;
  const message = str(err['message']) ?? 'provider call failed';
  const headers = isHeaderBag(err['headers']) ? err['headers'] : undefined;
  const requestId = str(err['requestID']) ?? str(headers?.get('request-id')) ?? str(headers?.get('x-request-id'));
  return new ProviderError(outcomeOf(err, status, message), message, status, retryAfterMs(headers), requestId);
}
