// The conversation an agent call sees when messages queued in a session: answers stored late go back after their questions.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { conversationUpTo } from '../../src/agent/history.js';
import type { StoreOp } from '../../src/actors/messages.js';
import { openDbs, type StoreDbs } from '../../src/store/lmdb.js';
import { StoreReader } from '../../src/store/store.js';
import type { Turn } from '../../src/store/records.js';
import { applyOps } from '../../src/store/writes.js';

const S = 'ws:queued';
const user = (text: string): StoreOp => ({ op: 'user', ts: 1, message: { channel: 'ws', to: S, session: S, sender: { id: 'u' }, text, externalId: text } });
const answer = (replyTo: number, text: string): StoreOp => ({ op: 'answer', session: S, replyTo, text, ts: 2, usage: { input: 1, output: 1 }, provider: 'echo', model: 'echo' });

describe('queued messages: history of one agent call', () => {
  let dir: string;
  let dbs: StoreDbs;
  let reader: StoreReader;
  const texts = (turns: ReadonlyArray<{ text: string }>) => turns.map((t) => t.text);
  /** A stored turn as conversationUpTo sees it. */
  const t = (seq: number, role: 'user' | 'assistant', text: string, replyTo?: number) =>
    ({ seq, role, text, ts: 0, channel: 'ws', ...(replyTo === undefined ? {} : { replyTo }) });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'clanker-queued-'));
    dbs = openDbs(dir, 64);
    reader = new StoreReader(dbs);
    // Three questions arrive before the first is answered: seqs q0=0 q1=1 q2=2, then a0=3 a1=4.
    for (const op of [user('q0'), user('q1'), user('q2'), answer(0, 'a0'), answer(1, 'a1')]) await applyOps(dbs, [op]);
  });
  after(async () => {
    await dbs.root.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('historyUpTo and turnsAfter read the two sides of a seq, bounded', () => {
    assert.deepEqual(texts(reader.historyUpTo(S, 1, 10)), ['q0', 'q1']);
    assert.deepEqual(texts(reader.historyUpTo(S, 1, 1)), ['q1']);
    assert.deepEqual(texts(reader.historyUpTo(S, 4, 10)), ['q0', 'q1', 'q2', 'a0', 'a1']);
    assert.deepEqual(texts(reader.turnsAfter(S, 1, 10)), ['q2', 'a0', 'a1']);
    assert.deepEqual(texts(reader.turnsAfter(S, 1, 2)), ['q2', 'a0']);
    assert.deepEqual(reader.turnsAfter(S, 4, 10), []);
    assert.deepEqual(reader.historyUpTo('ws:other', 4, 10), []);
  });

  const cases: Array<[seq: number, window: number, expected: string[]]> = [
    [0, 10, ['q0']],
    [1, 10, ['q0', 'a0', 'q1']],
    [2, 10, ['q0', 'a0', 'q1', 'a1', 'q2']],
    // q0 fell out of the window: its answer is left out too, not left dangling.
    [2, 2, ['q1', 'a1', 'q2']],
  ];
  for (const [seq, window, expected] of cases) {
    test(`answering q${seq} with a window of ${window}: ${expected.join(' ')}`, () => {
      assert.deepEqual(texts(conversationUpTo(reader.historyUpTo(S, seq, window), reader.turnsAfter(S, seq, 100), seq)), expected);
    });
  }

  test('random queues: each answer right after its question, answers to questions out of the window left out', () => {
    // The rule stated once more, as a walk instead of a sort: every turn of the window that is not an answer,
    // each question followed by its answers (from the window or stored later) when it comes before `seq`.
    const expected = (upTo: readonly Turn[], later: readonly Turn[], seq: number): number[] => {
      const answersTo = (q: number) => [...upTo, ...later].filter((t) => t.role === 'assistant' && t.replyTo === q);
      return upTo.filter((t) => t.role === 'user' || t.replyTo === undefined)
        .flatMap((t) => (t.role === 'user' && t.seq < seq ? [t, ...answersTo(t.seq)] : [t])).map((t) => t.seq);
    };
    let state = 7;
    const random = (n: number): number => (state = (state * 48271) % 2147483647) % n;
    let inOrder = 0;
    for (let run = 0; run < 400; run++) {
      const turns: Turn[] = [];
      const unanswered: number[] = [];
      const answered: number[] = [];
      for (let i = 0; i < 4 + random(30); i++) {
        const seq = turns.length;
        const pick = random(10);
        if (pick < 5 || (unanswered.length === 0 && pick < 8)) {
          turns.push({ seq, role: 'user', text: `q${seq}`, ts: seq, channel: 'ws' });
          unanswered.push(seq);
        } else if (pick < 8) {
          const question = unanswered.shift() as number;
          answered.push(question);
          turns.push({ seq, role: 'assistant', text: `a${seq}`, ts: seq, channel: 'ws', replyTo: question });
        } else if (pick === 8 && answered.length > 0) {
          // A second answer to a question (an answer write retried after its turn was closed).
          turns.push({ seq, role: 'assistant', text: `again${seq}`, ts: seq, channel: 'ws', replyTo: answered[random(answered.length)] as number });
        } else {
          turns.push({ seq, role: 'assistant', text: `note${seq}`, ts: seq, channel: 'ws' });
        }
      }
      const questions = turns.filter((t) => t.role === 'user');
      const seq = (questions[random(questions.length)] as Turn).seq;
      const upTo = turns.filter((t) => t.seq <= seq).slice(-(1 + random(seq + 2)));
      const later = turns.filter((t) => t.seq > seq);
      const got = conversationUpTo(upTo, later, seq).map((t) => t.seq);
      if (got.join() === upTo.map((t) => t.seq).join()) inOrder++;
      assert.deepEqual(got, expected(upTo, later, seq), `turns ${turns.map((t) => t.text).join(' ')}; answering q${seq} with ${upTo.length} turns`);
    }
    assert.ok(inOrder > 40 && inOrder < 360, `both kinds of conversation were drawn (${inOrder} of 400 already in order)`);
  });

  test('two answers to one question, one stored after the question answered now, both follow it in the order stored', () => {
    assert.deepEqual(texts(conversationUpTo([t(0, 'user', 'q0'), t(1, 'assistant', 'a0', 0), t(2, 'user', 'q2')], [t(3, 'assistant', 'a0 again', 0)], 2)), ['q0', 'a0', 'a0 again', 'q2']);
    assert.deepEqual(texts(conversationUpTo([t(0, 'user', 'q0'), t(1, 'user', 'q1'), t(2, 'assistant', 'a0', 0), t(3, 'assistant', 'a0 again', 0), t(4, 'user', 'q4')], [], 4)), ['q0', 'a0', 'a0 again', 'q1', 'q4']);
  });

  test('an assistant turn without replyTo stays where it was stored', () => {
    assert.deepEqual(texts(conversationUpTo([t(0, 'user', 'q0'), t(1, 'assistant', 'note'), t(2, 'user', 'q2')], [t(3, 'assistant', 'a0', 0)], 2)), ['q0', 'a0', 'note', 'q2']);
  });
});
