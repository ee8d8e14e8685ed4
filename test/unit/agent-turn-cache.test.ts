// Tests of the worker's turn cache: same turns as the store, each decoded once, deletions respected, bounded.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { TurnCache, type TurnSource } from '../../src/agent/turn-cache.js';
import type { Turn } from '../../src/store/records.js';

/** The store's behaviour as TurnSource sees it: seqs only grow, deletions keep the next seq, the record counts turns. */
function store(): TurnSource & { rows: Map<string, Turn[]>; decodes: number; add(session: string, text: string): void; remove(session: string, seq: number): void; forget(session: string): void } {
  const rows = new Map<string, Turn[]>();
  const next = new Map<string, number>();
  const s = {
    rows,
    decodes: 0,
    add(session: string, text: string) {
      const list = rows.get(session) ?? [];
      const seq = next.get(session) ?? 0;
      next.set(session, seq + 1);
      list.push({ seq, role: seq % 2 === 0 ? 'user' : 'assistant', text, ts: seq, channel: 'ws' });
      rows.set(session, list);
    },
    remove(session: string, seq: number) {
      rows.set(session, (rows.get(session) ?? []).filter((t) => t.seq !== seq));
    },
    /** The session and its record gone, as in a store restored from an older backup. */
    forget(session: string) {
      rows.delete(session);
      next.delete(session);
    },
    historySeqs: (session: string, limit: number, maxSeq: number) =>
      (rows.get(session) ?? []).filter((t) => t.seq <= maxSeq).slice(-limit).map((t) => t.seq),
    session: (session: string) => (next.has(session) ? { turns: rows.get(session)?.length ?? 0, nextSeq: next.get(session) ?? 0 } : undefined),
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

  test('turns stored since the last read are returned, after it and after a deletion', () => {
    const s = store();
    const cache = new TurnCache();
    for (let i = 0; i < 500; i++) s.add('a', `t${i}`);
    cache.history(s, 'a', 100, 499);
    s.add('a', 'new question');
    assert.deepEqual(cache.history(s, 'a', 3, 500).map((t) => t.text), ['t498', 't499', 'new question']);
    s.remove('a', 500);
    s.add('a', 'another question');
    assert.deepEqual(cache.history(s, 'a', 3, 501).map((t) => t.text), ['t498', 't499', 'another question']);
  });

  const changes: Array<{ name: string; change: (s: ReturnType<typeof store>) => void }> = [
    { name: 'an old turn deleted and as many added (the count alone stays the same)', change: (s) => { s.remove('a', 0); s.remove('a', 1); s.add('a', 'n1'); s.add('a', 'n2'); } },
    { name: 'a reset (all deleted), then new turns', change: (s) => { for (let i = 0; i < 6; i++) s.remove('a', i); s.add('a', 'n1'); } },
    { name: 'a trim of the oldest', change: (s) => { s.remove('a', 0); s.remove('a', 1); s.remove('a', 2); } },
    { name: 'the newest turn deleted', change: (s) => { s.remove('a', 5); } },
    { name: 'two turns added', change: (s) => { s.add('a', 'n1'); s.add('a', 'n2'); } },
    { name: 'the session and its record gone', change: (s) => { s.forget('a'); } },
    { name: 'the newest turn deleted and one added', change: (s) => { s.remove('a', 5); s.add('a', 'n1'); } },
  ];
  for (const c of changes) {
    test(`after ${c.name}: exactly what the store holds`, () => {
      const s = store();
      const cache = new TurnCache();
      for (let i = 0; i < 6; i++) s.add('a', `t${i}`);
      cache.history(s, 'a', 50, 100);
      c.change(s);
      assert.deepEqual(cache.history(s, 'a', 50, 100).map((t) => t.seq), s.historySeqs('a', 50, 100));
    });

    test(`after ${c.name}: its size counts exactly what it holds`, () => {
      const s = store();
      // One byte: every session is dropped when its turn ends, so what remains is what the count got wrong.
      const cache = new TurnCache(1);
      for (let i = 0; i < 6; i++) s.add('a', `t${i}`);
      cache.history(s, 'a', 50, 100);
      c.change(s);
      cache.history(s, 'a', 50, 100);
      cache.finishRead('a', 50);
      assert.equal(cache.size, 0);
    });
  }

  test('its size counts exactly what it holds for a session longer than the seqs it keeps', () => {
    const s = store();
    const cache = new TurnCache(1);
    for (let i = 0; i < 5000; i++) s.add('a', `t${i}`);
    cache.history(s, 'a', 2000, 4999);
    s.add('a', 'n1');
    cache.history(s, 'a', 2000, 5000);
    cache.finishRead('a', 2000);
    assert.equal(cache.size, 0);
  });

  test('a session longer than the seqs it keeps still reads its older turns from the store', () => {
    const s = store();
    const cache = new TurnCache(64 * 2 ** 20);
    for (let i = 0; i < 5000; i++) s.add('a', `t${i}`);
    cache.history(s, 'a', 10, 4999);
    assert.deepEqual(cache.history(s, 'a', 2000, 400).map((t) => t.seq), s.historySeqs('a', 2000, 400));
    assert.equal(cache.history(s, 'a', 5000, 4999).length, 5000);
    s.add('a', 'n1');
    s.add('a', 'n2');
    assert.deepEqual(cache.history(s, 'a', 3, 5001).map((t) => t.text), ['t4999', 'n1', 'n2']);
    assert.deepEqual(cache.history(s, 'a', 2000, 4500).map((t) => t.seq), s.historySeqs('a', 2000, 4500));
  });

  test('sessions do not mix', () => {
    const s = store();
    const cache = new TurnCache();
    s.add('a', 'from a');
    s.add('b', 'from b');
    assert.equal(cache.history(s, 'a', 10, 0)[0]?.text, 'from a');
    assert.equal(cache.history(s, 'b', 10, 0)[0]?.text, 'from b');
  });

  /** Sessions of five 200-character turns each. */
  function sessions(...names: string[]): ReturnType<typeof store> {
    const s = store();
    for (const session of names) for (let i = 0; i < 5; i++) s.add(session, 'x'.repeat(200));
    return s;
  }
  const threeSessions = (): ReturnType<typeof store> => sessions('a', 'b', 'c');
  /** One turn's reads as answer.ts makes them: growing history reads, then finishRead. */
  function turn(cache: TurnCache, s: TurnSource, session: string, limits: number[] = [10]): number {
    let got = 0;
    for (const limit of limits) got = cache.history(s, session, limit, Number.MAX_SAFE_INTEGER).length;
    cache.finishRead(session, limits.at(-1) as number);
    return got;
  }
  /** A size that holds two such sessions and not three, from what the cache counts for one. */
  const twoFit = ((): number => {
    const cache = new TurnCache();
    turn(cache, sessions('one'), 'one');
    return Math.floor(2.5 * cache.size);
  })();

  test('a session back soon pushes out the sessions idle for more turns, least recently used first', () => {
    const s = threeSessions();
    const cache = new TurnCache(twoFit);
    for (const session of ['a', 'b', 'c', 'c']) turn(cache, s, session);
    assert.ok(cache.size <= twoFit);
    const before = s.decodes;
    turn(cache, s, 'c');
    turn(cache, s, 'b');
    assert.equal(s.decodes, before, 'c (two turns in a row) and b stay cached');
    turn(cache, s, 'a');
    assert.equal(s.decodes, before + 5, 'a, idle the longest, was evicted');
  });

  test('a cycle of more sessions than fit keeps those that fit cached, however many reads a turn makes', () => {
    const s = threeSessions();
    const cache = new TurnCache(twoFit);
    for (const session of ['a', 'b', 'c']) turn(cache, s, session, [2, 10]);
    for (let cycle = 0; cycle < 5; cycle++) {
      const before = s.decodes;
      for (const session of ['a', 'b', 'c']) assert.equal(turn(cache, s, session, [2, 10]), 5);
      // Least recently used eviction would decode all 15 turns every cycle.
      assert.equal(s.decodes - before, 5, `cycle ${cycle}: only the session that does not fit is decoded again`);
      assert.ok(cache.size <= twoFit);
    }
    assert.equal(cache.lastLimit('c'), 10, 'the session dropped each turn keeps its history size');
  });

  test('a session read again moves to the back of the eviction order', () => {
    const s = threeSessions();
    const cache = new TurnCache(twoFit);
    for (const session of ['a', 'b', 'a', 'c', 'c']) turn(cache, s, session);
    const before = s.decodes;
    turn(cache, s, 'a');
    assert.equal(s.decodes, before, 'b, not a, made room for c');
  });

  test('sessions read once do not push out a pair that keeps coming back', () => {
    const s = sessions('a', 'b', ...Array.from({ length: 10 }, (_, i) => `once${i}`));
    const cache = new TurnCache(twoFit);
    for (const session of ['a', 'b', 'a', 'b']) turn(cache, s, session);
    for (let i = 0; i < 10; i++) turn(cache, s, `once${i}`);
    const before = s.decodes;
    turn(cache, s, 'a');
    turn(cache, s, 'b');
    assert.equal(s.decodes, before);
  });

  test('stays within its size when many sessions are read once, and quiet ones do not keep a new one out', () => {
    const s = store();
    const cache = new TurnCache(50_000);
    // ~6,500 bytes each: the first seven fill the cache and then go quiet.
    for (let i = 0; i < 300; i++) {
      for (let t = 0; t < 30; t++) s.add(`s${i}`, 'x'.repeat(50));
      turn(cache, s, `s${i}`, [8, 32]);
      assert.ok(cache.size <= 50_000, `after session ${i}: ${cache.size} bytes`);
    }
    // ~8,500 bytes: more than the room the seven leave.
    for (let t = 0; t < 40; t++) s.add('new', 'x'.repeat(50));
    turn(cache, s, 'new', [40]);
    turn(cache, s, 'new', [40]);
    const before = s.decodes;
    turn(cache, s, 'new', [40]);
    assert.equal(s.decodes, before, 'a session back after one turn is cached over sessions quiet for hundreds');
  });

  test('keeps the decoded turns near its history window, not the whole session', () => {
    const s = store();
    const cache = new TurnCache();
    for (let t = 0; t < 1000; t++) {
      s.add('long', `turn ${t}`);
      turn(cache, s, 'long', [10]);
    }
    assert.equal(s.decodes, 1000, 'each turn decoded once');
    turn(cache, s, 'long', [10]);
    assert.equal(s.decodes, 1000, 'the window is cached');
    turn(cache, s, 'long', [500]);
    assert.ok(s.decodes >= 1000 + 400, `${s.decodes - 1000} of 500 decoded again: the older turns were dropped`);
  });

  test('caches only what a conversation needs of a turn', () => {
    const s = store();
    const cache = new TurnCache();
    s.add('a', 'question');
    s.add('a', 'answer');
    s.rows.set('a', [
      { seq: 0, role: 'user', text: 'question', ts: 0, channel: 'ws', sender: { id: 'u1', name: 'Ann' }, externalId: 'ws-1' },
      { seq: 1, role: 'assistant', text: 'answer', ts: 1, channel: 'ws', replyTo: 0, usage: { input: 3, output: 1 }, provider: 'echo', model: 'echo' },
    ]);
    assert.deepEqual(cache.history(s, 'a', 10, 1), [{ seq: 0, role: 'user', text: 'question' }, { seq: 1, role: 'assistant', text: 'answer', replyTo: 0 }]);
  });
});
