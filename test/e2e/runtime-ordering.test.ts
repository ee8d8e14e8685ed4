// Acceptance 2 with the real CLI and the OpenAI fake: 200 messages into one session reach the model in order,
// one at a time, while another session is answered concurrently.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { startGateway, type RunningGateway } from '../helpers/cli.js';
import { storedHistory, waitReady } from '../helpers/gateway-api.js';
import { waitFor } from '../helpers/actors.js';
import { startFakeOpenAI, type FakeModelServer } from '../fakes/openai.js';

const COUNT = 200;
const A = 'order-a';
const B = 'order-b';

interface ChatMessage { role: string; content: string }

async function chat(url: string, session: string, text: string): Promise<{ status: number; text: string; at: number }> {
  const res = await fetch(`${url}/api/chat`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ session, text }), signal: AbortSignal.timeout(120_000),
  });
  const body = await res.json() as { text?: string; error?: { message: string } };
  return { status: res.status, text: body.text ?? body.error?.message ?? '', at: Date.now() };
}
const messagesOf = (body: unknown): ChatMessage[] => (body as { messages: ChatMessage[] }).messages;

describe('per-session ordering', () => {
  let fake: FakeModelServer;
  let gw: RunningGateway;

  before(async () => {
    fake = await startFakeOpenAI({ apiKey: 'sk-order-test' });
    // Each call streams a few deltas 3 ms apart, so session A's turns really queue up behind each other.
    fake.setChunkDelayMs(3);
    gw = await startGateway({
      configToml: [
        '[server]', 'rate_limit_per_minute = 0', // the test polls more than a user would
        // A short history keeps each call small: the test checks only the turns just before the last.
        '[agent]', 'provider = "openai"', 'api_key = "sk-order-test"', `base_url = "${fake.url}"`, 'max_retries = 0', 'history_tokens = 400',
        '[workers]', 'threads = 2', '',
      ].join('\n'),
    });
    await waitReady(gw.url);
  });
  after(async () => {
    await gw?.kill();
    await fake?.close();
  });

  test(`${COUNT} messages of one session arrive at the agent in order while another session progresses`, async () => {
    // The order that counts is the gateway's arrival order. Concurrent HTTP requests travel on separate
    // connections, so the client cannot fix that order by sending; it can by sending message i+1 only once
    // message i was accepted (the `message` event, published after the store committed it). Nothing waits for
    // an answer: all 200 are in flight together, queued behind each other in the session.
    const ws = new WebSocket(`${gw.url.replace(/^http/, 'ws')}/ws`);
    const accepted: string[] = [];
    let subscribed = false;
    ws.on('message', (raw) => {
      const frame = JSON.parse(raw.toString()) as { type: string; id?: string; event?: string; data?: { direction?: string; text?: string } };
      if (frame.type === 'res' && frame.id === 'sub') subscribed = true;
      if (frame.event === 'message' && frame.data?.direction === 'in') accepted.push(frame.data.text ?? '');
    });
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    try {
      ws.send(JSON.stringify({ type: 'req', id: 'sub', method: 'subscribe', params: { topics: [`session:${A}`] } }));
      await waitFor(() => subscribed, 'the subscription', 5000);

      // Session B over HTTP meanwhile, one message after the other.
      const b = (async () => {
        for (let i = 0; i < 5; i++) {
          const reply = await chat(gw.url, B, `b-${i}`);
          assert.deepEqual([reply.status, reply.text], [200, `echo: b-${i}`]);
        }
        return Date.now();
      })();
      const aReplies: Array<Promise<{ status: number; text: string; at: number }>> = [];
      for (let i = 0; i < COUNT; i++) {
        aReplies.push(chat(gw.url, A, `a-${i}`));
        await waitFor(() => accepted.length > i, `message a-${i} to be accepted`, 10_000);
      }
      const [a, bDone] = await Promise.all([Promise.all(aReplies), b]);
      assert.deepEqual(accepted, Array.from({ length: COUNT }, (_, i) => `a-${i}`), 'accepted in the order sent');
      a.forEach((r, i) => assert.deepEqual([r.status, r.text], [200, `echo: a-${i}`]));

      // What the model was asked, in call order: A's turns are 0..199, each call seeing the previous answer.
      const calls = fake.requests.map((r) => messagesOf(r.body));
      const aCalls = calls.filter((m) => m.at(-1)?.content.startsWith('a-'));
      assert.deepEqual(aCalls.map((m) => m.at(-1)?.content), Array.from({ length: COUNT }, (_, i) => `a-${i}`));
      aCalls.forEach((m, i) => {
        if (i === 0) return;
        assert.deepEqual(m.slice(-3, -1), [{ role: 'user', content: `a-${i - 1}` }, { role: 'assistant', content: `echo: a-${i - 1}` }], `call ${i}`);
      });
      const bCalls = calls.filter((m) => m.at(-1)?.content.startsWith('b-'));
      assert.deepEqual(bCalls.map((m) => m.at(-1)?.content), ['b-0', 'b-1', 'b-2', 'b-3', 'b-4']);

      // Concurrency across sessions: B was answered in full before A's last answer, i.e. not queued behind A.
      const aLast = Math.max(...a.map((r) => r.at));
      assert.ok(bDone < aLast, `B finished ${bDone - aLast} ms after A's last answer`);
      const lastB = calls.findLastIndex((m) => m.at(-1)?.content.startsWith('b-'));
      const lastA = calls.findLastIndex((m) => m.at(-1)?.content.startsWith('a-'));
      assert.ok(lastB < lastA, 'all of B reached the model while A still had turns waiting');

      // The store keeps commit order: A's questions are 0..199 in seq order and so are the answers, each after its question.
      const stored = await storedHistory(gw.url, A);
      assert.equal(stored.length, 2 * COUNT);
      const questions = stored.filter((t) => t.role === 'user');
      const replies = stored.filter((t) => t.role === 'assistant');
      assert.deepEqual(questions.map((t) => t.text), Array.from({ length: COUNT }, (_, i) => `a-${i}`));
      assert.deepEqual(replies.map((t) => t.text), Array.from({ length: COUNT }, (_, i) => `echo: a-${i}`));
      replies.forEach((r, i) => assert.ok(r.seq > (questions[i]?.seq ?? Infinity), `answer ${i} stored after its question`));
    } finally {
      ws.terminate();
    }
  });
});
