// The grammy Bot the actor uses, with retries for 429 (after retry_after) and network errors, and safe error descriptions.
import { Bot, GrammyError, HttpError, type Api, type Transformer } from '../../vendor/grammy.js';
import { AppError } from '../../errors.js';

export interface RetryPolicy {
  /** Retries after the first attempt. */
  maxRetries: number;
  /** A 429 asking to wait longer than this is passed on instead of waited out. */
  maxWaitMs: number;
  /** First backoff step for network errors and 5xx; doubles each retry. */
  baseMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxRetries: 4, maxWaitMs: 60_000, baseMs: 500 };

/** grammy types signals with the abort-controller polyfill's class; Node's native AbortSignal works the same at run time. */
export type ApiSignal = NonNullable<Parameters<Api['getMe']>[0]>;
export const apiSignal = (signal: AbortSignal): ApiSignal => signal as unknown as ApiSignal;

/** Resolves after `ms`, or at once when `signal` aborts. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted || ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Exponential backoff with jitter in [50%, 100%] of the step. */
export function backoffMs(attempt: number, baseMs: number, maxMs = 30_000): number {
  const step = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt));
  return Math.round(step * (0.5 + Math.random() * 0.5));
}

/** The poller owns getUpdates' retries; a late "typing…" would show after the answer, so it is not retried. */
const NOT_RETRIED = new Set(['getUpdates', 'sendChatAction']);

/**
 * Retries calls (but those above): a 429 after `retry_after`, a 5xx or a network error after a backoff.
 * Stops at once when the actor stops.
 */
export function retryTransformer(stop: AbortSignal, policy: RetryPolicy = DEFAULT_RETRY, onRetry?: (method: string, why: string, waitMs: number) => void): Transformer {
  return async (prev, method, payload, signal) => {
    for (let attempt = 0; ; attempt++) {
      const last = NOT_RETRIED.has(method) || attempt >= policy.maxRetries || stop.aborted || signal?.aborted === true;
      let waitMs: number;
      let why: string;
      try {
        const res = await prev(method, payload, signal);
        if (res.ok || last) return res;
        if (res.error_code === 429) {
          waitMs = (res.parameters?.retry_after ?? 1) * 1000;
          if (waitMs > policy.maxWaitMs) return res;
          why = `429 retry_after ${res.parameters?.retry_after ?? 1}s`;
        } else if (res.error_code >= 500) {
          waitMs = backoffMs(attempt, policy.baseMs);
          why = `${res.error_code}`;
        } else {
          return res;
        }
      } catch (err) {
        if (last) throw err;
        waitMs = backoffMs(attempt, policy.baseMs);
        why = 'network error';
      }
      onRetry?.(method, why, waitMs);
      await pause(waitMs, stop);
    }
  };
}

export function createBot(token: string, apiRoot: string, watchdogS: number, stop: AbortSignal, onRetry?: (method: string, why: string, waitMs: number) => void): Bot {
  // No call may hang forever; the client's own limit sits above the watchdog so that hung polls are the watchdog's to judge.
  const bot = new Bot(token, { client: { apiRoot, timeoutSeconds: Math.max(60, watchdogS + 10) } });
  bot.api.config.use(retryTransformer(stop, DEFAULT_RETRY, onRetry));
  return bot;
}

/** A loggable one-liner for a failed call: never the request URL (which holds the token). */
export function describeError(err: unknown): string {
  if (err instanceof GrammyError) return `${err.method}: ${err.error_code} ${err.description}`;
  if (err instanceof HttpError) {
    const inner = err.error as { code?: unknown; name?: unknown } | undefined;
    return `network error (${String(inner?.code ?? inner?.name ?? 'unknown')})`;
  }
  if (err instanceof AppError) return `${err.code}: ${err.message}`;
  return err instanceof Error ? err.name : 'unknown error';
}

export const isParseError = (err: unknown): boolean =>
  err instanceof GrammyError && err.error_code === 400 && /can't parse entities/i.test(err.description);
export const isNotModified = (err: unknown): boolean =>
  err instanceof GrammyError && err.error_code === 400 && /message is not modified/i.test(err.description);
export const isMissingMessage = (err: unknown): boolean =>
  err instanceof GrammyError && err.error_code === 400 && /message to edit not found|message can't be edited/i.test(err.description);

/** A failed delivery as an error the main thread can report (the description never holds the token). */
export function toChannelError(err: unknown): AppError {
  if (err instanceof GrammyError) {
    const code = err.error_code === 403 ? 'forbidden' : err.error_code === 400 ? 'bad_request' : 'busy';
    return new AppError(code, `telegram refused ${err.method}: ${err.description}`);
  }
  return new AppError('busy', `telegram unreachable: ${describeError(err)}`);
}
