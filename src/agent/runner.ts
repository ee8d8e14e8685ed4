// Answers one user turn: the primary provider with timeouts, retries and history trimming, then the fallback, then an apology.
import type { AgentAttempt, AgentResult } from '../actors/messages.js';
import type { Logger } from '../log/logger.js';
import { buildMessages, messagesTokens, type HistoryTurn } from './history.js';
import { classifyError, ProviderError, type ChatMessage, type Completion, type Provider, type ProviderId } from './provider.js';
import { backoffMs, nextStep } from './retry.js';

export const APOLOGY = "Sorry — I couldn't get an answer right now. Please try again in a moment.";

export interface RunAgentOptions {
  primary: Provider;
  fallback?: Provider;
  /** Providers known to be unusable (auth failures): never called. */
  skip: readonly ProviderId[];
  system: string;
  /** Stored turns, oldest first, ending with the user turn to answer. */
  turns: readonly HistoryTurn[];
  maxTokens: number;
  historyTokens: number;
  timeoutMs: number;
  maxRetries: number;
  /** Streamed text in order; `reset` drops what was streamed so far (a failed attempt's partial answer). */
  onDelta(text: string, reset?: boolean): void;
  logger: Logger;
  sleep?: (ms: number) => Promise<void>;
}

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

type AttemptResult = { ok: true; reply: Completion } | { ok: false; error: ProviderError; emitted: boolean };

/**
 * One provider call. `timeoutMs` bounds the wait for the first delta and every gap after it (the timer
 * restarts on each delta), so a hang at any point is cut while a long answer that keeps flowing is not.
 */
async function attempt(provider: Provider, opts: RunAgentOptions, messages: ChatMessage[]): Promise<AttemptResult> {
  const controller = new AbortController();
  let timedOut = false;
  let emitted = false;
  let abortReject: (err: Error) => void = () => undefined;
  const aborted = new Promise<never>((_resolve, reject) => { abortReject = reject; });
  const timer = setTimeout(() => {
    timedOut = true;
    const err = new ProviderError('timeout', `no answer within ${opts.timeoutMs} ms`);
    controller.abort(err);
    abortReject(err);
  }, opts.timeoutMs);
  const call = provider.complete({ system: opts.system, messages, maxTokens: opts.maxTokens, signal: controller.signal }, (text) => {
    if (controller.signal.aborted) return;
    emitted = true;
    timer.refresh();
    opts.onDelta(text);
  });
  // The race below stops waiting for a provider that ignores its signal; its late rejection must not go unhandled.
  call.catch(() => undefined);
  try {
    return { ok: true, reply: await Promise.race([call, aborted]) };
  } catch (err) {
    const error = classifyError(err);
    if (timedOut && error.outcome !== 'timeout') {
      return { ok: false, emitted, error: new ProviderError('timeout', `no answer within ${opts.timeoutMs} ms`, undefined, undefined, error.requestId) };
    }
    return { ok: false, emitted, error };
  } finally {
    clearTimeout(timer);
  }
}

/** Tries each usable provider in turn; never throws for provider failures. */
export async function runAgent(opts: RunAgentOptions): Promise<AgentResult> {
  const sleep = opts.sleep ?? realSleep;
  const chain = [opts.primary, ...(opts.fallback ? [opts.fallback] : [])].filter((p) => !opts.skip.includes(p.id));
  const attempts: AgentAttempt[] = [];
  let historyTokens = opts.historyTokens;

  for (const [index, provider] of chain.entries()) {
    const hasNext = index < chain.length - 1;
    let retries = 0;
    let trimmed = false;
    while (true) {
      const messages = buildMessages(opts.turns, historyTokens);
      const started = Date.now();
      const result = await attempt(provider, opts, messages);
      const ms = Date.now() - started;
      const base = { provider: provider.id, model: provider.model, ms };
      if (result.ok) {
        const { reply } = result;
        attempts.push({ ...base, outcome: 'ok', ...(reply.requestId ? { requestId: reply.requestId } : {}) });
        if (attempts.length > 1) opts.logger.info({ attempts }, 'model answered after failed attempts');
        return { ok: true, text: reply.text, usage: reply.usage, provider: provider.id, model: provider.model, stopReason: reply.stopReason, attempts };
      }
      const { error } = result;
      attempts.push({
        ...base, outcome: error.outcome,
        ...(error.status !== undefined ? { status: error.status } : {}),
        ...(error.requestId ? { requestId: error.requestId } : {}),
      });
      opts.logger.warn({ ...base, outcome: error.outcome, status: error.status, requestId: error.requestId, err: error.message }, 'model call failed');
      if (result.emitted) opts.onDelta('', true);

      const step = nextStep(error.outcome, { retries, maxRetries: opts.maxRetries, retryAfterMs: error.retryAfterMs, hasNext, trimmed });
      if (step === 'next') break;
      if (step === 'trim') {
        trimmed = true;
        // Halve what was actually sent, so a budget larger than the history still trims something.
        historyTokens = Math.floor(Math.min(historyTokens, messagesTokens(messages)) / 2);
        continue;
      }
      await sleep(backoffMs(retries, error.retryAfterMs));
      retries++;
    }
  }
  opts.logger.error({ attempts, skipped: opts.skip }, 'no model provider could answer; sent the apology');
  return { ok: false, apology: APOLOGY, attempts };
}
