// Table-driven tests of history shaping: estimates, role normalizing and budget trimming.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildMessages, estimateTokens, MESSAGE_OVERHEAD_TOKENS, messagesTokens, normalizeTurns, type HistoryTurn } from '../../src/agent/history.js';
import type { ChatMessage } from '../../src/agent/provider.js';

const u = (text: string): HistoryTurn => ({ role: 'user', text });
const a = (text: string): HistoryTurn => ({ role: 'assistant', text });
const U = (content: string): ChatMessage => ({ role: 'user', content });
const A = (content: string): ChatMessage => ({ role: 'assistant', content });

/** Valid for both providers: non-empty, user first and last, roles alternating, no empty content. */
function assertValid(messages: ChatMessage[]): void {
  assert.ok(messages.length > 0);
  assert.equal(messages[0]?.role, 'user');
  assert.equal(messages.at(-1)?.role, 'user');
  messages.forEach((m, i) => {
    assert.equal(m.role, i % 2 === 0 ? 'user' : 'assistant');
    assert.notEqual(m.content.trim(), '');
  });
}

describe('estimateTokens', () => {
  for (const [text, n] of [['', 0], ['a', 1], ['abcd', 1], ['abcde', 2], ['x'.repeat(400), 100]] as const) {
    test(`${JSON.stringify(text.slice(0, 8))} (${text.length} chars) → ${n}`, () => assert.equal(estimateTokens(text), n));
  }
});

describe('normalizeTurns', () => {
  const table: [string, HistoryTurn[], ChatMessage[]][] = [
    ['empty', [], []],
    ['one user turn', [u('hi')], [U('hi')]],
    ['a pair and a question', [u('q1'), a('a1'), u('q2')], [U('q1'), A('a1'), U('q2')]],
    ['leading assistant dropped', [a('hello'), u('hi')], [U('hi')]],
    ['unanswered user turns merged', [u('q1'), u('q1 again'), a('a1'), u('q2')], [U('q1\n\nq1 again'), A('a1'), U('q2')]],
    ['consecutive assistants merged', [u('q1'), a('part 1'), a('part 2'), u('q2')], [U('q1'), A('part 1\n\npart 2'), U('q2')]],
    ['trailing assistant dropped', [u('q1'), a('a1')], [U('q1')]],
    ['empty turns dropped, then merged', [u('q1'), a('  '), u('q2')], [U('q1\n\nq2')]],
    ['only assistants', [a('x'), a('y')], []],
  ];
  for (const [name, turns, expected] of table) test(name, () => assert.deepEqual(normalizeTurns(turns), expected));
});

describe('buildMessages', () => {
  // Each 8-char text costs 2 + overhead 4 = 6 tokens: a pair costs 12.
  const t = (tag: string): string => tag.padEnd(8, '.');
  const long = [u(t('q1')), a(t('a1')), u(t('q2')), a(t('a2')), u(t('q3')), a(t('a3')), u(t('q4'))];
  const table: [string, HistoryTurn[], number, string[]][] = [
    ['everything fits', long, 1000, ['q1', 'a1', 'q2', 'a2', 'q3', 'a3', 'q4']],
    ['exact fit of two pairs', long, 6 + 24, ['q2', 'a2', 'q3', 'a3', 'q4']],
    ['one token short of two pairs', long, 6 + 23, ['q3', 'a3', 'q4']],
    ['budget 0: the final user turn alone', long, 0, ['q4']],
    ['final turn over budget still sent', [u('x'.repeat(400))], 10, ['xxxx']],
    ['never splits a pair', long, 6 + 6, ['q4']],
    ['empty history', [], 100, []],
  ];
  for (const [name, turns, budget, tags] of table) {
    test(name, () => {
      const messages = buildMessages(turns, budget);
      assert.deepEqual(messages.map((m) => m.content.slice(0, tags[0]?.length ?? 0).replace(/\.+$/, '')), tags);
      if (messages.length > 0) {
        assertValid(messages);
        if (messages.length > 1) assert.ok(messagesTokens(messages) <= budget);
      }
    });
  }

  test('a messy history of many turns stays valid at every budget', () => {
    const messy: HistoryTurn[] = [a('greeting'), u('q1'), u('q1b'), a('a1'), a(''), u('q2'), a('a2'), a('a2b'), u('q3'), u('final')];
    for (let budget = 0; budget <= 120; budget += 3) {
      const messages = buildMessages(messy, budget);
      assertValid(messages);
      assert.equal(messages.at(-1)?.content, 'q3\n\nfinal');
      assert.ok(messages.length === 1 || messagesTokens(messages) <= budget);
    }
  });

  test('overhead constant is what the estimates use', () => {
    assert.equal(messagesTokens([U('abcd')]), 1 + MESSAGE_OVERHEAD_TOKENS);
  });
});
