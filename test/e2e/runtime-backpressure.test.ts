// Acceptance 4, in process with real worker threads and real uWS: flooding an actor yields busy errors at once,
// memory stays flat across rounds, and every request settles within a bounded time.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Piscina } from 'piscina';
import { buildConfig } from '../../src/config/load.js';
import { Gateway } from '../../src/gateway/app.js';
import { createPool } from '../../src/actors/pool.js';
import { Supervisor, type ActorRef } from '../../src/actors/supervisor.js';
import { AppError } from '../../src/errors.js';
import { memoryLogger, testActorUrl, waitFor } from '../helpers/actors.js';

const SILENT = { level: 'silent', secrets: [] };
const CAPACITY = 16;
const MB = 1024 * 1024;
const FLOOD = 10_000;

/** The V8 collector, so heap figures compare live objects rather than garbage not yet collected. */
function collector(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/** Outcome of each promise (`ok` or the AppError code); rejects if any is still pending after `ms`. */
async function settleWithin(promises: Array<Promise<unknown>>, ms: number): Promise<string[]> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`requests still pending after ${ms} ms`)), ms); });
  try {
    return await Promise.race([
      Promise.all(promises.map((p) => p.then(() => 'ok', (e: unknown) => (e instanceof AppError ? e.code : String(e))))),
      deadline,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function tally(outcomes: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const o of outcomes) counts[o] = (counts[o] ?? 0) + 1;
  return counts;
}

describe('bounded mailboxes under a flood', () => {
  const log = memoryLogger();
  let pool: Piscina;
  let sup: Supervisor;
  let gateway: Gateway;
  let base: string;
  let slow: ActorRef;

  before(async () => {
    pool = createPool(2, log.logger);
    sup = new Supervisor(pool, log.logger, SILENT);
    slow = sup.start({ name: 'slow', module: testActorUrl('echo'), options: { delayMs: 200 }, capacity: CAPACITY });
    const { config } = buildConfig({ server: { port: 0 } }, {});
    gateway = new Gateway({
      config, logger: log.logger,
            // Held for 3 s, so that all of the flood has arrived before the first answers free room again.
      routes: [{ method: 'GET', pattern: '/slow', auth: false, handler: async (ex) => ex.json(200, await slow.request('test.slow', { ms: 3000 }, { timeoutMs: 10_000 })) }],
    });
    base = `http://127.0.0.1:${await gateway.listen()}`;
    await slow.whenUp(30_000);
  });

  after(async () => {
    await gateway.close();
    await sup.stop(2000);
    await pool.destroy();
  });

  test('10 000 requests at once, five times: capacity answered, the rest refused busy; the heap does not grow', async () => {
    const gc = collector();
    const flood = () => settleWithin(Array.from({ length: FLOOD }, () => slow.request('test.slow', {}, { timeoutMs: 10_000 })), 20_000);

    const rss: number[] = [];
    for (let round = 0; round < 2; round++) {
      assert.deepEqual(tally(await flood()), { ok: CAPACITY, busy: FLOOD - CAPACITY });
      gc();
      rss.push(process.memoryUsage().rss);
    }
    const first = process.memoryUsage();
    for (let round = 0; round < 3; round++) {
      assert.deepEqual(tally(await flood()), { ok: CAPACITY, busy: FLOOD - CAPACITY });
      gc();
      rss.push(process.memoryUsage().rss);
    }
    const last = process.memoryUsage();
    const trace = rss.map((b) => (b / MB).toFixed(0)).join(', ');
    // Generous bounds: 30 000 more refused requests retain nothing; an unbounded queue would hold tens of MB.
    assert.ok(last.heapUsed - first.heapUsed < 16 * MB, `heap grew ${((last.heapUsed - first.heapUsed) / MB).toFixed(1)} MB`);
    assert.ok(last.rss - first.rss < 64 * MB, `rss grew ${((last.rss - first.rss) / MB).toFixed(1)} MB (MB after each round: ${trace})`);
    assert.equal(slow.mailbox?.depth, 0);
    const refused = await slow.request('test.slow', {}).then(() => undefined, (e: unknown) => e);
    assert.equal(refused, undefined, 'serves normally afterwards');
  });

  test('over HTTP a flood is answered 503 busy, never dropped', async () => {
    const responses = await Promise.all(Array.from({ length: 200 }, async () => {
      const res = await fetch(`${base}/slow`);
      const body = await res.json() as { error?: { code: string; message: string } };
      return res.status === 200 ? 'ok' : `${res.status} ${body.error?.code}`;
    }));
    assert.deepEqual(tally(responses), { ok: CAPACITY, '503 busy': 200 - CAPACITY });
  });

  test('a flood while the actor restarts: capacity callers wait for it, the rest are refused at once', async () => {
    const crasher = sup.start({ name: 'crasher', module: testActorUrl('crashing'), options: {}, capacity: CAPACITY, restart: { baseMs: 400, maxMs: 400 } });
    await crasher.whenUp(30_000);
    // The crash may beat the reply to the crash request itself: either outcome is fine here.
    await crasher.request('test.crash', {}).catch(() => undefined);
    await waitFor(() => crasher.state === 'restarting', 'the crasher to be restarting');
    const outcomes = await settleWithin(Array.from({ length: 1000 }, (_, i) => crasher.request('test.echo', { text: String(i) }, { timeoutMs: 30_000 })), 40_000);
    assert.deepEqual(tally(outcomes), { ok: CAPACITY, busy: 1000 - CAPACITY });
    assert.deepEqual(outcomes.slice(0, CAPACITY), Array(CAPACITY).fill('ok'), 'the first callers waited and were answered');
  });
});
