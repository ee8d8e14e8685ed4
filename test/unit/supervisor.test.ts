// Supervisor on a real piscina pool: backoff restarts of a crashing actor, its co-located neighbour, the restart limit.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Piscina } from 'piscina';
import { createPool } from '../../src/actors/pool.js';
import { Supervisor, restartDelay, type RestartPolicy } from '../../src/actors/supervisor.js';
import { AppError } from '../../src/errors.js';
import { memoryLogger, stateRecorder, testActorUrl, waitFor } from '../helpers/actors.js';

const SILENT = { level: 'silent', secrets: [] };
const FAST: Partial<RestartPolicy> = { baseMs: 40, maxMs: 5000, maxRestarts: 3, windowMs: 60_000 };

describe('restartDelay', () => {
  const policy: RestartPolicy = { baseMs: 100, maxMs: 1000, maxRestarts: 5, windowMs: 60_000 };
  const cases: Array<[attempt: number, rand: number, expected: number]> = [
    [1, 1, 100], [1, 0, 50], [1, 0.5, 75],
    [2, 1, 200], [2, 0, 100],
    [3, 1, 400], [4, 1, 800],
    [5, 1, 1000], [5, 0, 500], [30, 1, 1000],
    [0, 1, 100],
  ];
  for (const [attempt, rand, expected] of cases) {
    test(`attempt ${attempt}, jitter ${rand} → ${expected} ms`, () => {
      assert.equal(restartDelay(attempt, policy, () => rand), expected);
    });
  }
  test('with any jitter, a later attempt never waits less than an earlier one (until the cap)', () => {
    for (let attempt = 1; attempt < 4; attempt++) {
      assert.ok(restartDelay(attempt + 1, policy, () => 0) >= restartDelay(attempt, policy, () => 1));
    }
  });
});

describe('Supervisor (one worker thread: every actor shares it)', () => {
  let pool: Piscina;
  const log = memoryLogger();

  before(() => {
    pool = createPool(1, log.logger);
  });
  after(async () => {
    await pool.destroy();
  });

  test('a crash-looping actor is restarted with growing delays, then failed; its neighbour comes back every time', async () => {
    const states = stateRecorder();
    let restarts = 0;
    const sup = new Supervisor(pool, log.logger, SILENT, { onState: states.record, onRestart: () => restarts++ });
    try {
      const echo = sup.start({ name: 'echo', module: testActorUrl('echo'), options: {}, restart: FAST });
      await echo.whenUp(30_000);
      const crasher = sup.start({ name: 'crasher', module: testActorUrl('crashing'), options: { crashAfterMs: 30 }, restart: FAST });

      // Ask the neighbour all along: every request settles, answered or refused as busy (its thread died under it).
      const outcomes: string[] = [];
      let asking = true;
      const asker = (async () => {
        while (asking) {
          outcomes.push(await echo.request('test.echo', { text: 'hi' }, { timeoutMs: 10_000 }).then(
            () => 'ok',
            (e: unknown) => (e instanceof AppError ? e.code : String(e)),
          ));
          await new Promise((r) => setTimeout(r, 5));
        }
      })();
      await waitFor(() => crasher.state === 'failed', 'the crasher to be marked failed');
      asking = false;
      await asker;

      const mine = states.of('crasher');
      const restarting = mine.filter((c) => c.state === 'restarting');
      const delays = restarting.map((c) => {
        const m = /restart (\d+) in (\d+) ms$/.exec(c.detail ?? '');
        assert.ok(m, `unexpected detail: ${c.detail}`);
        return { n: Number(m[1]), ms: Number(m[2]) };
      });
      assert.deepEqual(delays.map((d) => d.n), [1, 2, 3]);
      assert.ok(delays.every((d, i) => d.ms >= 20 * 2 ** i && d.ms <= 40 * 2 ** i), JSON.stringify(delays));
      assert.ok((delays[2]?.ms ?? 0) > (delays[0]?.ms ?? 0), 'the third wait is longer than the first');
      // Each relaunch came no earlier than its scheduled delay.
      for (const r of restarting) {
        const next = mine.find((c) => c.at >= r.at && c.state === 'starting');
        const scheduled = Number(/in (\d+) ms$/.exec(r.detail ?? '')?.[1]);
        assert.ok(next && next.at - r.at >= scheduled - 2, `relaunched after ${next ? next.at - r.at : '?'} ms, scheduled ${scheduled}`);
      }
      assert.match(crasher.detail ?? '', /^gave up after 3 restarts in 60 s; last: it crashed: deliberate crash \(30 ms after start\)/);
      assert.equal(crasher.restarts, 3);

      // The neighbour lost its thread each time, was restarted without counting it, and is up and answering.
      await waitFor(() => echo.state === 'up', 'the neighbour to be up again');
      const neighbour = states.of('echo').filter((c) => c.state === 'restarting');
      assert.ok(neighbour.length >= 3, `neighbour restarted ${neighbour.length} times`);
      assert.ok(neighbour.every((c) => /thrown by actor crasher.*not counted against its limit/.test(c.detail ?? '')), neighbour.map((c) => c.detail).join('\n'));
      assert.equal(echo.restartTimes.length, 0);
      const shared = states.of('crasher').filter((c) => c.state === 'up').map((c) => c.info.thread);
      assert.ok(states.of('echo').some((c) => c.state === 'up' && shared.includes(c.info.thread)), 'they shared a thread');
      assert.deepEqual(await echo.request('test.echo', { text: 'still here' }), { text: 'still here', thread: echo.info.thread });
      assert.ok(outcomes.includes('ok'));
      assert.deepEqual([...new Set(outcomes)].filter((o) => o !== 'ok' && o !== 'busy'), [], `outcomes: ${outcomes.join(',')}`);

      assert.deepEqual(sup.parts().map((p) => [p.name, p.state]), [['actor:echo', 'up'], ['actor:crasher', 'failed']]);
      assert.equal(restarts, 3 + neighbour.length);
      const failed = log.entries().find((e) => e.msg === 'actor failed: restart limit reached');
      assert.equal(failed?.actor, 'crasher');
      await assert.rejects(crasher.request('test.echo', { text: 'x' }), (e: unknown) => e instanceof AppError && e.code === 'busy' && /crasher is failed/.test(e.message));
    } finally {
      await sup.stop(2000);
    }
  });

  test('one crash on request: restarted after the base delay, answering again; stop() leaves both stopped', async () => {
    const states = stateRecorder();
    // As `clanker serve` does: actors start first, the listeners come later with the gateway code (observe).
    const sup = new Supervisor(pool, log.logger, SILENT);
    const crasher = sup.start({ name: 'crasher', module: testActorUrl('crashing'), options: {}, restart: FAST });
    const echo = sup.start({ name: 'echo', module: testActorUrl('echo'), options: {}, restart: FAST });
    try {
      await crasher.whenUp(30_000);
      await echo.whenUp(30_000);
      sup.observe({ onState: states.record });
      assert.deepEqual(states.changes, [], 'nothing was heard before observe()');
      assert.deepEqual(await crasher.request('test.crash', {}), {});
      await waitFor(() => crasher.restarts === 1 && crasher.isUp && echo.isUp, 'both to be back up');
      assert.match(states.of('crasher').find((c) => c.state === 'restarting')?.detail ?? '', /deliberate crash \(asked to\); restart 1 in \d+ ms$/);
      assert.deepEqual(await crasher.request('test.echo', { text: 'again' }), { text: 'again', thread: crasher.info.thread });
      assert.equal((await echo.request('test.echo', { text: 'me too' }) as { text: string }).text, 'me too');
    } finally {
      await sup.stop(2000);
    }
    assert.deepEqual([crasher.state, echo.state], ['stopped', 'stopped']);
    assert.equal(crasher.restarts, 1);
  });
});
