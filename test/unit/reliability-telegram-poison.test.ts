// Reliability suite, Telegram polling: an update that breaks the handler is skipped after a few tries instead of blocking every later one.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Bot } from '../../src/vendor/grammy.js';
import type { Update } from 'grammy/types';
import { startFakeTelegram, type FakeTelegram } from '../fakes/telegram.js';
import { Poller } from '../../src/channels/telegram/poller.js';
import { createLogger } from '../../src/log/logger.js';
import { AppError } from '../../src/errors.js';

const logger = createLogger({ level: 'silent', secrets: [] });
const ada = { id: 42, first_name: 'Ada' };

describe('Poller and poison updates', () => {
  let tg: FakeTelegram;
  before(async () => { tg = await startFakeTelegram(); });
  after(async () => tg?.close());

  /** Polls until `done()` holds (bounded), recording each handled update id. */
  async function pollUntil(handle: (u: Update) => Promise<void>, done: () => boolean): Promise<void> {
    const stop = new AbortController();
    const run = new Poller({
      api: new Bot(tg.token, { client: { apiRoot: tg.apiRoot } }).api, logger, signal: stop.signal, timeoutS: 1, watchdogMs: 5000, offset: 0,
      handle, report: () => undefined,
    }).run();
    try {
      await tg.waitFor(() => done(), 20_000);
    } finally {
      stop.abort();
      await run;
    }
  }

  test('a handler bug on one update: it is skipped after 3 tries, the next one is handled, both confirmed', async () => {
    const poison = tg.injectText(ada, 'breaks the handler');
    const next = tg.injectText(ada, 'fine');
    const seen: number[] = [];
    await pollUntil(async (u) => {
      seen.push(u.update_id);
      if (u.update_id === poison) throw new TypeError("Cannot read properties of undefined (reading 'id')");
    }, () => seen.includes(next) && tg.pendingUpdates() === 0);
    assert.deepEqual(seen, [poison, poison, poison, next]);
  });

  test('the store being busy is not a poison: the update is tried again until it is stored', async () => {
    const first = tg.injectText(ada, 'store busy for a while');
    const next = tg.injectText(ada, 'after it');
    const seen: number[] = [];
    let busy = 3;
    await pollUntil(async (u) => {
      seen.push(u.update_id);
      if (u.update_id === first && busy-- > 0) throw new AppError('busy', 'store is restarting');
    }, () => seen.includes(next));
    assert.deepEqual(seen, [first, first, first, first, next]);
  });
});
