// `node dist/bench/history-cost.js [CALLS]`: CPU per agent call of shaping the stored turns into the model's
// messages (conversationUpTo, then buildMessages), for conversations of 200 and 2,000 turns, with every answer right
// after its question and with one pair of queued messages (two questions, then both answers). Pure functions on one
// thread: steadier than a gateway run, so it shows what a change to them is worth. Run it on two builds to compare.
import { buildMessages, conversationUpTo } from '../src/agent/history.js';
import type { Turn } from '../src/store/records.js';

const calls = Number(process.argv[2] ?? 2000);
const HISTORY_TOKENS = 8000;

/** `pairs` question/answer pairs, then the question to answer; with `queued`, pair 5 and 6 are asked before either is answered. */
function conversation(pairs: number, queued: boolean): Turn[] {
  const turns: Turn[] = [];
  const add = (role: Turn['role'], text: string, replyTo?: number): void => {
    turns.push({ seq: turns.length, role, text, ts: 0, channel: 'ws', ...(replyTo === undefined ? {} : { replyTo }) });
  };
  for (let i = 0; i < pairs; i++) {
    if (queued && i === 5) {
      add('user', `question ${i}`);
      add('user', `question ${i + 1}`);
      add('assistant', `answer ${i}`, turns.length - 2);
      add('assistant', `answer ${i + 1}`, turns.length - 2);
      i++;
      continue;
    }
    add('user', `question ${i}`);
    add('assistant', `answer ${i}`, turns.length - 1);
  }
  add('user', 'the question to answer');
  return turns;
}

function microsPerCall(turns: readonly Turn[]): { shape: number; messages: number } {
  const seq = (turns.at(-1) as Turn).seq;
  const time = (fn: () => unknown): number => {
    for (let i = 0; i < calls / 4; i++) fn();
    const started = performance.now();
    for (let i = 0; i < calls; i++) fn();
    return ((performance.now() - started) / calls) * 1000;
  };
  const shaped = conversationUpTo(turns, [], seq);
  return { shape: time(() => conversationUpTo(turns, [], seq)), messages: time(() => buildMessages(shaped, HISTORY_TOKENS)) };
}

console.log(`history shaping per agent call, µs (median of 3 rounds of ${calls} calls; history_tokens ${HISTORY_TOKENS})`);
console.log('| conversation | conversationUpTo | buildMessages |');
console.log('|---|---|---|');
for (const [label, pairs, queued] of [['200 turns, in answer order', 100, false], ['2,000 turns, in answer order', 1000, false], ['2,000 turns, one queued pair', 1000, true]] as const) {
  const turns = conversation(pairs, queued);
  const rounds = [0, 1, 2].map(() => microsPerCall(turns));
  const median = (pick: (r: { shape: number; messages: number }) => number): string => (rounds.map(pick).sort((a, b) => a - b)[1] as number).toFixed(1);
  console.log(`| ${label} | ${median((r) => r.shape)} | ${median((r) => r.messages)} |`);
}
