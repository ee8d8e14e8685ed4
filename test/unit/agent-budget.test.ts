// Table-driven tests of the daily spend limits and the remaining budget shown in /api/status.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { GATEWAY_LIMIT_REPLY, SESSION_LIMIT_REPLY, checkBudget, remainingBudget, type BudgetLimits } from '../../src/agent/budget.js';
import type { Usage } from '../../src/store/records.js';

const use = (input: number, output: number): Usage => ({ input, output });

describe('checkBudget', () => {
  const table: [string, BudgetLimits, Usage, Usage, 'ok' | 'gateway' | 'session'][] = [
    ['unlimited', { tokensPerDay: 0, tokensPerSessionPerDay: 0 }, use(1e9, 1e9), use(1e9, 0), 'ok'],
    ['under both', { tokensPerDay: 100, tokensPerSessionPerDay: 50 }, use(40, 40), use(20, 29), 'ok'],
    ['gateway reached exactly', { tokensPerDay: 100, tokensPerSessionPerDay: 0 }, use(60, 40), use(0, 0), 'gateway'],
    ['session reached', { tokensPerDay: 0, tokensPerSessionPerDay: 50 }, use(0, 0), use(25, 25), 'session'],
    ['both reached: gateway reported', { tokensPerDay: 10, tokensPerSessionPerDay: 10 }, use(10, 0), use(10, 0), 'gateway'],
  ];
  for (const [name, limits, day, session, expected] of table) {
    test(name, () => {
      const result = checkBudget(limits, day, session);
      if (expected === 'ok') return assert.deepEqual(result, { ok: true });
      assert.deepEqual(result, { ok: false, scope: expected, reply: expected === 'gateway' ? GATEWAY_LIMIT_REPLY : SESSION_LIMIT_REPLY });
      assert.match(result.ok ? '' : result.reply, /^Daily limit reached/);
    });
  }
});

describe('remainingBudget', () => {
  const now = Date.parse('2026-03-31T22:15:00Z');
  test('limited', () => {
    assert.deepEqual(remainingBudget(1000, use(300, 200), now), { used: 500, limit: 1000, remaining: 500, resets_at: '2026-04-01T00:00:00.000Z' });
  });
  test('overspent clamps to zero', () => {
    assert.equal(remainingBudget(100, use(90, 30), now).remaining, 0);
  });
  test('unlimited', () => {
    assert.deepEqual(remainingBudget(0, use(1, 2), now), { used: 3, limit: null, remaining: null, resets_at: '2026-04-01T00:00:00.000Z' });
  });
});
