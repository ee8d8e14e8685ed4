/** The Telegram retry transformer and poller, driven through real grammy against the fake Bot API server. */
import { test, describe, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { Bot, GrammyError, HttpError } from '../../src/vendor/grammy.js';
import type { Update } from 'grammy/types';
import { startFakeTelegram, type FakeTelegram } from '../fakes/telegram.js';
import { closedPort } from '../helpers/cli.js';
import { retryTransformer, describeError } from '../../src/channels/telegram/api.js';
import { Poller, type PollInfo } from '../../src/channels/telegram/poller.js';
import { createLogger } from '../../src/log/logger.js';

const logger = createLogger({ level: 'silent', secrets: [] });
const ada = { id: 42, first_name: 'Ada' };
const FAST = { maxRetries: 3, maxWaitMs: 5000, baseMs: 10 };

function bot(apiRoot: string, token: string, stop = new AbortController().signal, retries: string[] = []): Bot {
  const b = new Bot(token, { client: { apiRoot } });
  b.api.config.use(retryTransformer(stop, FAST, (method, why) => retries.push(`${method}: ${why}`)));
  return b;
}

describe('retryTransformer', () => {
  let tg: FakeTelegram;
  before(async () => { tg = await startFakeTelegram(); });
  after(async () => tg?.close());

  test('5xx is retried with backoff until it succeeds', async () => {
    const retries: string[] = [];
    tg.failNext('sendMessage', 2, { status: 502 });
    const m = await bot(tg.apiRoot, tg.token, undefined, retries).api.sendMessage(42, 'hi');
    assert.equal(m.text, 'hi');
    assert.deepEqual(retries, ['sendMessage: 502', 'sendMessage: 502']);
  });

  test('a 429 waits retry_after; one asking too long is passed on', async () => {
    const retries: string[] = [];
    tg.failNext('sendMessage', 1, { status: 429, retry_after: 1 });
    const t0 = Date.now();
    await bot(tg.apiRoot, tg.token, undefined, retries).api.sendMessage(42, 'later');
    assert.ok(Date.now() - t0 >= 950);
    assert.deepEqual(retries, ['sendMessage: 429 retry_after 1s']);
    tg.failNext('sendMessage', 1, { status: 429, retry_after: 60 });
    await assert.rejects(bot(tg.apiRoot, tg.token).api.sendMessage(42, 'x'), (err: unknown) => err instanceof GrammyError && err.error_code === 429);
  });

  test('4xx is not retried', async () => {
    const retries: string[] = [];
    tg.failNext('sendMessage', 1, { status: 403 });
    await assert.rejects(bot(tg.apiRoot, tg.token, undefined, retries).api.sendMessage(42, 'x'), GrammyError);
    assert.deepEqual(retries, []);
  });

  test('network errors are retried, then thrown; the description holds no token', async () => {
    const retries: string[] = [];
    const token = '123:SECRET-token-value';
    const err = await bot(`http://127.0.0.1:${await closedPort()}`, token, undefined, retries).api.sendMessage(42, 'x').catch((e: unknown) => e);
    assert.ok(err instanceof HttpError);
    assert.equal(retries.length, FAST.maxRetries);
    assert.match(describeError(err), /^network error/);
    assert.ok(!describeError(err).includes('SECRET'));
  });

  test('getUpdates is never retried by the transformer (the poller owns it)', async () => {
    const retries: string[] = [];
    tg.failNext('getUpdates', 1, { status: 502 });
    await assert.rejects(bot(tg.apiRoot, tg.token, undefined, retries).api.getUpdates({ timeout: 0 }), GrammyError);
    assert.deepEqual(retries, []);
  });
});

describe('Poller', () => {
  let tg: FakeTelegram;
  before(async () => { tg = await startFakeTelegram(); });
  after(async () => tg?.close());

  function poller(apiRoot: string, stop: AbortController, handle: (u: Update) => Promise<unknown>, reports: PollInfo[], watchdogMs = 5000, timeoutS = 1): Poller {
    return new Poller({
      api: bot(apiRoot, tg.token, stop.signal).api, logger, signal: stop.signal, timeoutS, watchdogMs, offset: 0,
      handle, report: (info) => reports.push(info),
    });
  }

  test('an update that could not be stored is fetched again, and nothing after it is skipped', async () => {
    const stop = new AbortController();
    const seen: number[] = [];
    let failOnce = true;
    const first = tg.injectText(ada, 'one');
    const second = tg.injectText(ada, 'two');
    const run = poller(tg.apiRoot, stop, async (u) => {
      seen.push(u.update_id);
      if (u.update_id === first && failOnce) {
        failOnce = false;
        throw new Error('store busy');
      }
    }, []).run();
    await tg.waitFor(() => seen.includes(second));
    // The next poll confirms both to Telegram.
    await tg.waitFor(() => tg.pendingUpdates() === 0);
    stop.abort();
    await run;
    assert.deepEqual(seen, [first, first, second]);
  });

  test('a hung getUpdates is aborted by the watchdog and polling starts over', async () => {
    const stop = new AbortController();
    const reports: PollInfo[] = [];
    const seen: string[] = [];
    // Long polls of 0.2 s (the fake takes fractions) judged by a 0.6 s watchdog.
    const p = poller(tg.apiRoot, stop, async (u) => { seen.push(u.message?.text ?? ''); }, reports, 600, 0.2);
    const run = p.run();
    const polled = tg.getUpdatesCompleted();
    await tg.waitFor(() => tg.getUpdatesCompleted() >= polled + 5);
    assert.equal(p.info.restarts, 0, 'healthy long polls are not restarted');
    tg.hangGetUpdates(true);
    await tg.waitFor(() => reports.find((r) => r.polling === 'restarting' && r.restarts >= 1));
    tg.injectText(ada, 'after the hang');
    tg.hangGetUpdates(false);
    await tg.waitFor(() => seen.includes('after the hang'));
    await tg.waitFor(() => reports.at(-1)?.polling === 'ok');
    stop.abort();
    await run;
  });

  test('when Telegram is unreachable it backs off, reports stalled, and stops promptly', async () => {
    const stop = new AbortController();
    const reports: PollInfo[] = [];
    const run = poller(`http://127.0.0.1:${await closedPort()}`, stop, async () => undefined, reports).run();
    await tg.waitFor(() => reports.find((r) => r.polling === 'stalled'), 8000);
    const t0 = Date.now();
    stop.abort();
    await run;
    assert.ok(Date.now() - t0 < 1000);
  });
});
