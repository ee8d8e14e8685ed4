// Tests of the worker's turn cache: same turns as the store, each decoded once, deletions respected, bounded.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { TurnCache, type TurnSource } from '../../src/agent/turn-cache.js';
import type { Turn } from '../../src/store/records.js';

function store(): TurnSource & { rows: Map<string, Turn[]>; decodes: number; add(session: string, text: string): void; remove(session: string, seq: number): void } {
  const rows = new Map<string, Turn[]>();
  const s = {
    rows,
    decodes: 0,
    add(session: string, text: string) {
      const list = rows.get(session) ?? [];
      const seq = (list.at(-1)?.seq ?? -1) + 1;
      list.push({ seq, role: seq % 2 === 0 ? 'user' : 'assistant', text, ts: seq, channel: 'ws' });
      rows.set(session, list);
    },
    remove(session: string, seq: number) {
      rows.set(session, (rows.get(session) ?? []).filter((t) => t.seq !== seq));
    },
    historySeqs: (session: string, limit: number, maxSeq: number) => (rows.get(session) ?? []).filter((t) => t.seq <= maxSeq).slice(-limit).map((t) => t.seq),
    turn: (session: string, seq: number) => {
      s.decodes++;
      return (rows.get(session) ?? []).find((t) => t.seq === seq);
    },
  };
  return s;
}

describe('TurnCache', () => {
  test('returns what the store has, decoding each turn once', () => {
    const s = store();
    const cache = new TurnCache();
    for (let i = 0; i < 10; i++) s.add('a', `turn ${i}`);
    assert.deepEqual(cache.history(s, 'a', 50, 9).map((t) => t.seq), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.equal(s.decodes, 10);
    s.add('a', 'turn 10');
    s.add('a', 'turn 11');
    assert.deepEqual(cache.history(s, 'a', 4, 11).map((t) => t.text), ['turn 8', 'turn 9', 'turn 10', 'turn 11']);
    assert.equal(s.decodes, 12);
  });

  test('turns deleted from the store (reset, trim) are not returned', () => {
    const s = store();
    const cache = new TurnCache();
    for (let i = 0; i < 4; i++) s.add('a', `t${i}`);
    cache.history(s, 'a', 10, 3);
    s.remove('a', 1);
    assert.deepEqual(cache.history(s, 'a', 10, 3).map((t) => t.seq), [0, 2, 3]);
  });

  test('sessions do not mix', () => {
    const s = store();
    const cache = new TurnCache();
    s.add('a', 'from a');
    s.add('b', 'from b');
    assert.equal(cache.history(s, 'a', 10, 0)[0]?.text, 'from a');
    assert.equal(cache.history(s, 'b', 10, 0)[0]?.text, 'from b');
  });

  test('evicts least recently used sessions past its size, never the one being read', () => {
    const s = store();
    const cache = new TurnCache(5000);
    for (const session of ['a', 'b', 'c']) for (let i = 0; i < 5; i++) s.add(session, 'x'.repeat(200));
    cache.history(s, 'a', 10, 4);
    cache.history(s, 'b', 10, 4);
    cache.history(s, 'a', 10, 4);
    cache.history(s, 'c', 10, 4);
    assert.ok(cache.size <= 5000);
    const before = s.decodes;
    cache.history(s, 'c', 10, 4);
    assert.equal(s.decodes, before, 'the session just read stays cached');
    cache.history(s, 'b', 10, 4);
    assert.equal(s.decodes, before + 5, 'the least recently used session was evicted');
  });
});
