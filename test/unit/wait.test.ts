// waitAtMost: a bounded wait that ends with the work or with its deadline, never with the work's error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitAtMost } from '../../src/wait.js';

const never = new Promise<never>(() => undefined);

test('ends when the work ends, long before the deadline', { timeout: 5000 }, async () => {
  let done = false;
  const work = new Promise<void>((resolve) => setTimeout(() => { done = true; resolve(); }, 10));
  await waitAtMost(work, 60_000);
  assert.equal(done, true);
});

test('ends without throwing when the work fails', { timeout: 5000 }, async () => {
  await waitAtMost(Promise.reject(new Error('the owner handles this')), 60_000);
});

test('ends at the deadline when the work never does', { timeout: 5000 }, async () => {
  // Something else must keep the process up: the deadline's own timer does not (a stopping process may exit).
  const keepAlive = setTimeout(() => undefined, 5000);
  const started = performance.now();
  await waitAtMost(never, 30);
  clearTimeout(keepAlive);
  assert.ok(performance.now() - started >= 25, 'it waited for the deadline');
});
