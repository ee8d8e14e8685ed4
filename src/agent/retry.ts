// Pure retry policy: how long to wait before a retry, and what to do after each kind of failure.
import type { FailureOutcome } from './provider.js';

export const BASE_BACKOFF_MS = 500;
/** No wait is longer than this; a provider asking for more is given up on for this call. */
export const MAX_BACKOFF_MS = 30_000;

/**
 * Wait before retry number `attempt` (0 = the first retry). A `retry-after` from the provider is honoured
 * (plus up to 10% jitter so parallel callers spread out); otherwise exponential with "equal jitter":
 * half the step fixed, half random.
 */
export function backoffMs(attempt: number, retryAfterMs?: number, rand: () => number = Math.random): number {
  if (retryAfterMs !== undefined) return Math.min(MAX_BACKOFF_MS, Math.round(retryAfterMs * (1 + 0.1 * rand())));
  const step = Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** attempt);
  return Math.round(step / 2 + (step / 2) * rand());
}

export type Step = 'retry' | 'trim' | 'next';

export interface StepContext {
  /** Retries already spent on this provider. */
  retries: number;
  maxRetries: number;
  retryAfterMs?: number;
  /** Another provider (the fallback) can still be tried. */
  hasNext: boolean;
  /** History was already trimmed once for this provider. */
  trimmed: boolean;
}

const RETRYABLE = new Set<FailureOutcome>(['rate_limited', 'overloaded', 'server', 'network', 'timeout']);

/**
 * After a failed attempt: `retry` the same provider after a backoff, `trim` history and retry at once,
 * or move on to the `next` provider (the fallback, else the apology).
 *
 * - auth and bad_request are never retried: the same request will fail the same way.
 * - overloaded (529/503) goes straight to the fallback when there is one: the provider as a whole is
 *   saturated, and backing off would spend the user's wait on the provider least likely to answer.
 *   Without a fallback it is retried like a 429.
 * - a retry-after beyond MAX_BACKOFF_MS is not waited out: the limit will not lift within the call.
 * - context_too_long trims once per provider; a second one moves on (the fallback may have a larger window).
 */
export function nextStep(outcome: FailureOutcome, ctx: StepContext): Step {
  if (outcome === 'context_too_long') return ctx.trimmed ? 'next' : 'trim';
  if (!RETRYABLE.has(outcome)) return 'next';
  if (outcome === 'overloaded' && ctx.hasNext) return 'next';
  if (ctx.retryAfterMs !== undefined && ctx.retryAfterMs > MAX_BACKOFF_MS) return 'next';
  return ctx.retries < ctx.maxRetries ? 'retry' : 'next';
}
