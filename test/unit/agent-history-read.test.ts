// Tests of readHistory: reading stored turns in growing chunks gives what reading them all would give to buildMessages.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildMessages, fitHistory, readHistory, type HistoryTurn } from '../../src/agent/history.js';

type Stored = HistoryTurn & { seq: number };

/** A conversation of `n` turns (user/assistant alternating, with runs of unanswered user turns every 7th). */
function conversation(n: number, textLen: (i: number) => number): Stored[] {
  return Array.from({ length: n }, (_, seq) => ({ seq, role: seq % 2 === 0 || seq % 7 === 0 ? 'user' : 'assistant', text: `t${seq} `.padEnd(textLen(seq), 'x') }));
}

function reader(turns: Stored[], maxSeq: number): { read: (limit: number) => { turns: Stored[]; complete: boolean }; reads: number[] } {
  const reads: number[] = [];
  const upTo = turns.filter((t) => t.seq <= maxSeq);
  return {
    reads,
    read: (limit) => {
      reads.push(limit);
      return { turns: upTo.slice(-limit), complete: upTo.length <= limit };
    },
  };
}

describe('fitHistory', () => {
  const turns: HistoryTurn[] = [{ role: 'user', text: 'q1' }, { role: 'assistant', text: 'a1' }, { role: 'user', text: 'q2' }];
  test('bounded when a pair did not fit', () => assert.equal(fitHistory(turns, 5).bounded, true));
  test('not bounded when every turn fitted', () => assert.equal(fitHistory(turns, 1000).bounded, false));
});

describe('readHistory', () => {
  const cases: Array<[string, number, (i: number) => number, number, number]> = [
    ['short conversation, all of it fits', 20, () => 10, 8000, 19],
    ['long conversation of long turns', 3000, () => 400, 8000, 2999],
    ['long conversation of tiny turns', 3000, () => 3, 8000, 2999],
    ['mixed lengths, answering an older turn', 1500, (i) => (i % 5) * 90 + 3, 2000, 1200],
    ['budget 0', 500, () => 40, 0, 499],
  ];
  for (const [name, n, len, budget, maxSeq] of cases) {
    test(name, () => {
      const all = conversation(n, len);
      const { read, reads } = reader(all, maxSeq);
      const got = readHistory(read, budget);
      const everything = all.filter((t) => t.seq <= maxSeq);
      assert.deepEqual(buildMessages(got, budget), buildMessages(everything, budget));
      assert.equal(got.at(-1)?.seq, maxSeq);
      assert.ok(reads.every((r) => r <= 2000));
    });
  }

  test('long turns: reads one chunk, not the whole conversation', () => {
    const { read, reads } = reader(conversation(3000, () => 800), 2999);
    readHistory(read, 8000);
    assert.deepEqual(reads, [64]);
  });
});
