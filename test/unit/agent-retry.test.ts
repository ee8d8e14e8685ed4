// Tests of the retry policy: backoff growth, jitter bounds, retry-after, and the step after each failure.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_BACKOFF_MS, MAX_BACKOFF_MS, backoffMs, nextStep, type Step, type StepContext } from '../../src/agent/retry.js';
import type { FailureOutcome } from '../../src/agent/provider.js';

describe('backoffMs', () => {
  const table: [attempt: number, retryAfter: number | undefined, rand: number, expected: number][] = [
    [0, undefined, 0, BASE_BACKOFF_MS / 2],
    [0, undefined, 1, BASE_BACKOFF_MS],
    [1, undefined, 0, BASE_BACKOFF_MS],
    [2, undefined, 1, BASE_BACKOFF_MS * 4],
    [20, undefined, 1, MAX_BACKOFF_MS],
    [20, undefined, 0, MAX_BACKOFF_MS / 2],
    [0, 1000, 0, 1000],
    [3, 1000, 1, 1100],
    [0, 0, 0.5, 0],
    [0, 120_000, 0, MAX_BACKOFF_MS],
  ];
  for (const [attempt, retryAfter, rand, expected] of table) {
    test(`attempt ${attempt}, retry-after ${retryAfter}, rand ${rand} → ${expected}`, () => {
      assert.equal(backoffMs(attempt, retryAfter, () => rand), expected);
    });
  }
  test('grows with the attempt on average and stays within [step/2, step]', () => {
    for (let attempt = 0; attempt < 8; attempt++) {
      const step = Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** attempt);
      for (let i = 0; i < 50; i++) {
        const ms = backoffMs(attempt);
        assert.ok(ms >= step / 2 && ms <= step, `${ms} outside [${step / 2}, ${step}]`);
      }
    }
  });
});

describe('nextStep', () => {
  const ctx = (over: Partial<StepContext> = {}): StepContext => ({ retries: 0, maxRetries: 2, hasNext: false, trimmed: false, ...over });
  const table: [FailureOutcome, Partial<StepContext>, Step][] = [
    ['server', {}, 'retry'],
    ['server', { retries: 2 }, 'next'],
    ['network', { retries: 1 }, 'retry'],
    ['timeout', { maxRetries: 0 }, 'next'],
    ['rate_limited', { hasNext: true }, 'retry'],
    ['rate_limited', { retryAfterMs: 60_000 }, 'next'],
    ['rate_limited', { retries: 2, hasNext: true }, 'next'],
    ['overloaded', { hasNext: true }, 'next'],
    ['overloaded', { hasNext: false }, 'retry'],
    ['auth', {}, 'next'],
    ['bad_request', {}, 'next'],
    ['context_too_long', {}, 'trim'],
    ['context_too_long', { retries: 2 }, 'trim'],
    ['context_too_long', { trimmed: true }, 'next'],
  ];
  for (const [outcome, over, step] of table) {
    test(`${outcome} ${JSON.stringify(over)} → ${step}`, () => assert.equal(nextStep(outcome, ctx(over)), step));
  }
});
