// Tests of the concurrency limiter: the bound, FIFO hand-over, the bounded queue, and slots freed on failure.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConcurrencyLimiter } from '../../src/agent/limiter.js';
import { AppError } from '../../src/errors.js';

function deferred(): { promise: Promise<void>; resolve(): void; reject(e: Error): void } {
  let resolve = (): void => undefined;
  let reject = (_e: Error): void => undefined;
  const promise = new Promise<void>((res, rej) => { resolve = res; reject = rej; });
  return { promise, resolve, reject };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('ConcurrencyLimiter', () => {
  test('runs at most max at once, queues FIFO, refuses beyond the queue', async () => {
    const limiter = new ConcurrencyLimiter(2, 2);
    const gates = [deferred(), deferred(), deferred(), deferred()];
    const started: number[] = [];
    const runs = gates.map((g, i) => limiter.run(async () => { started.push(i); await g.promise; return i; }));
    const settled = Promise.allSettled(runs);
    await tick();
    assert.deepEqual(started, [0, 1]);
    assert.equal(limiter.active, 2);
    assert.equal(limiter.queued, 2);

    const refused = await limiter.run(async () => 99).then(() => undefined, (e: unknown) => e);
    assert.ok(refused instanceof AppError);
    assert.equal(refused.code, 'busy');

    gates[1]?.resolve();
    await tick();
    assert.deepEqual(started, [0, 1, 2]);
    gates[0]?.reject(new Error('failed'));
    await tick();
    assert.deepEqual(started, [0, 1, 2, 3]);
    gates[2]?.resolve();
    gates[3]?.resolve();
    const results = await settled;
    assert.deepEqual(results.map((r) => r.status), ['rejected', 'fulfilled', 'fulfilled', 'fulfilled']);
    assert.equal(limiter.active, 0);
    assert.equal(limiter.queued, 0);
  });

  test('queueMax 0 refuses as soon as every slot is taken', async () => {
    const limiter = new ConcurrencyLimiter(1, 0);
    const gate = deferred();
    const first = limiter.run(() => gate.promise);
    await assert.rejects(limiter.run(async () => 1), (e: unknown) => e instanceof AppError && e.code === 'busy');
    gate.resolve();
    await first;
    assert.equal(await limiter.run(async () => 2), 2);
  });

  test('rejects nonsense limits', () => {
    assert.throws(() => new ConcurrencyLimiter(0, 1), RangeError);
    assert.throws(() => new ConcurrencyLimiter(1, -1), RangeError);
  });
});
