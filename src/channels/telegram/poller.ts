// The long-poll loop: getUpdates from the stored offset, one update at a time, with backoff and a watchdog on inbound polling.
import { GrammyError, HttpError, type Api } from '../../vendor/grammy.js';
import type { Update } from 'grammy/types';
import type { Logger } from '../../log/logger.js';
import { apiSignal, backoffMs, describeError, pause } from './api.js';
import { AppError } from '../../errors.js';

/** How often /api/status learns a newer last_poll_at while nothing else changes. */
const REFRESH_MS = 15_000;
/** Failures of one update, on something other than the store or Telegram being away, before it is skipped. */
const POISON_TRIES = 3;

/** The store or Telegram could not be reached: trying the same update again later can work. */
const isTransient = (err: unknown): boolean => err instanceof AppError || err instanceof GrammyError || err instanceof HttpError;

export type PollingState = 'starting' | 'ok' | 'stalled' | 'restarting';

export interface PollInfo {
  mode: 'polling';
  polling: PollingState;
  last_poll_at: string | null;
  restarts: number;
}

export interface PollerDeps {
  api: Api;
  logger: Logger;
  /** Stops the loop; an in-flight getUpdates is aborted. */
  signal: AbortSignal;
  timeoutS: number;
  /** A getUpdates call in flight longer than this is aborted and polling starts over. */
  watchdogMs: number;
  /** The first update_id wanted (the stored offset). */
  offset: number;
  /** Persists one update; rejects when it must be fetched again. */
  handle(update: Update): Promise<unknown>;
  /** Told on every change of polling state, with a problem description when not ok. */
  report(info: PollInfo, problem?: string): void;
}

export class Poller {
  private state: PollingState = 'starting';
  private lastPollAt: number | null = null;
  private restarts = 0;
  private inflight: { ac: AbortController; since: number; byWatchdog: boolean } | undefined;
  private problem: string | undefined;
  private reportedAt = 0;

  constructor(private readonly deps: PollerDeps) {}

  get info(): PollInfo {
    return { mode: 'polling', polling: this.state, last_poll_at: this.lastPollAt === null ? null : new Date(this.lastPollAt).toISOString(), restarts: this.restarts };
  }

  /** Runs until the signal aborts; never throws. */
  async run(): Promise<void> {
    const { signal, watchdogMs } = this.deps;
    const watchdog = setInterval(() => this.watch(), Math.max(50, Math.min(1000, watchdogMs / 4)));
    let offset = this.deps.offset;
    let failures = 0;
    let stuck = { id: -1, tries: 0 };
    // The first call does not wait: it fetches the backlog and proves polling works at once.
    let timeoutS = 0;
    try {
      while (!signal.aborted) {
        const updates = await this.poll(offset, timeoutS);
        timeoutS = this.deps.timeoutS;
        if (signal.aborted) break;
        if (updates === 'restart') continue;
        if (updates instanceof Error) {
          failures++;
          await pause(this.delayAfter(updates, failures), signal);
          continue;
        }
        failures = 0;
        for (const update of updates) {
          if (signal.aborted) break;
          try {
            await this.deps.handle(update);
          } catch (err) {
            stuck = { id: update.update_id, tries: stuck.id === update.update_id ? stuck.tries + 1 : 1 };
            if (!isTransient(err) && stuck.tries >= POISON_TRIES) {
              // The update itself breaks the handler: retrying it forever would hold back every later update.
              this.deps.logger.error({ update: update.update_id, err }, 'telegram update cannot be handled; skipped');
              offset = update.update_id + 1;
              continue;
            }
            // Not persisted: fetch it again (from this offset) after a pause; nothing later is skipped.
            failures++;
            this.deps.logger.warn({ update: update.update_id, why: describeError(err) }, 'telegram update not persisted; will retry');
            await pause(backoffMs(failures - 1, 500), signal);
            break;
          }
          offset = update.update_id + 1;
        }
      }
    } finally {
      clearInterval(watchdog);
    }
  }

  /** One getUpdates call: the updates, `restart` when the watchdog cut it off, or the error. */
  private async poll(offset: number, timeoutS: number): Promise<Update[] | 'restart' | Error> {
    const { api, signal } = this.deps;
    const call = { ac: new AbortController(), since: Date.now(), byWatchdog: false };
    const stop = (): void => call.ac.abort();
    signal.addEventListener('abort', stop, { once: true });
    this.inflight = call;
    try {
      const updates = await api.getUpdates({ offset, timeout: timeoutS, allowed_updates: ['message'] }, apiSignal(call.ac.signal));
      this.lastPollAt = Date.now();
      // State changes are reported at once; the last_poll_at refresh alone only now and then.
      if (this.state !== 'ok' || this.lastPollAt - this.reportedAt >= REFRESH_MS) this.setState('ok', undefined, true);
      return updates;
    } catch (err) {
      if (call.byWatchdog) return 'restart';
      return err instanceof Error ? err : new Error(String(err));
    } finally {
      this.inflight = undefined;
      signal.removeEventListener('abort', stop);
    }
  }

  /** Inbound liveness judged on getUpdates alone: outbound calls succeeding prove nothing about it. */
  private watch(): void {
    const now = Date.now();
    const call = this.inflight;
    if (call && !call.byWatchdog && now - call.since > this.deps.watchdogMs) {
      call.byWatchdog = true;
      this.restarts++;
      this.deps.logger.warn({ waited_s: Math.round((now - call.since) / 1000), restarts: this.restarts }, 'telegram getUpdates hung; restarting polling');
      this.setState('restarting', 'getUpdates hung; polling restarted');
      call.ac.abort();
      return;
    }
    const since = this.lastPollAt ?? call?.since ?? now;
    if (this.state === 'ok' && now - since > this.deps.watchdogMs) this.setState('stalled', 'no getUpdates completed recently');
  }

  private delayAfter(err: Error, failures: number): number {
    const why = describeError(err);
    if (err instanceof GrammyError && err.error_code === 429) {
      this.setState(this.state, `getUpdates rate limited: ${why}`);
      return (err.parameters.retry_after ?? 1) * 1000;
    }
    if (err instanceof GrammyError && (err.error_code === 401 || err.error_code === 404)) {
      this.deps.logger.error({ why }, 'telegram rejected the bot token; check channels.telegram.bot_token');
      this.setState('stalled', 'the bot token was rejected');
      return 30_000;
    }
    if (failures === 1 || failures % 10 === 0) this.deps.logger.warn({ why, failures }, 'telegram getUpdates failed; retrying');
    if (failures >= 3) this.setState('stalled', `getUpdates failing: ${why}`);
    return backoffMs(failures - 1, 500);
  }

  private setState(state: PollingState, problem?: string, refresh = false): void {
    if (state === this.state && problem === this.problem && !refresh) return;
    this.state = state;
    this.problem = state === 'ok' ? undefined : problem;
    this.reportedAt = Date.now();
    this.deps.report(this.info, this.problem);
  }
}
