// runAgent through the real Anthropic and OpenAI SDKs against the fake servers: streaming, history, retries, timeouts, fallback.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger } from '../../src/log/logger.js';
import { createProvider } from '../../src/agent/providers.js';
import { APOLOGY, runAgent, type RunAgentOptions } from '../../src/agent/runner.js';
import type { HistoryTurn } from '../../src/agent/history.js';
import type { ProviderSettings } from '../../src/actors/messages.js';
import { anthropicContextTooLong, anthropicOverloaded, anthropicRateLimited, startFakeAnthropic } from '../fakes/anthropic.js';
import { startFakeOpenAI } from '../fakes/openai.js';
import type { FakeModelServer } from '../fakes/model-fake-core.js';

const KEY = 'sk-test-agent-runner-key';
const quiet = createLogger({ level: 'silent', secrets: [] });

interface Streamed { deltas: string[]; resets: number; log: string[] }

function captureLogger(secrets: string[]): { logger: ReturnType<typeof createLogger>; lines: string[] } {
  const lines: string[] = [];
  const destination = new Writable({ write(chunk: Buffer, _enc, done) { lines.push(chunk.toString()); done(); } });
  return { logger: createLogger({ level: 'warn', secrets, destination }), lines };
}

function bodyMessages(fake: FakeModelServer, index = -1): { role: string; content: unknown }[] {
  const body = fake.requests.at(index)?.body as { messages?: { role: string; content: unknown }[] } | undefined;
  return body?.messages ?? [];
}

describe('runAgent through the real SDKs', () => {
  let anthropic: FakeModelServer;
  let openai: FakeModelServer;
  let anthropicSettings: ProviderSettings;
  let openaiSettings: ProviderSettings;

  before(async () => {
    anthropic = await startFakeAnthropic({ apiKey: KEY });
    openai = await startFakeOpenAI({ apiKey: KEY });
    anthropicSettings = { provider: 'anthropic', model: 'claude-test', api_key: KEY, base_url: anthropic.url };
    openaiSettings = { provider: 'openai', model: 'gpt-test', api_key: KEY, base_url: openai.url };
  });
  after(async () => {
    await anthropic.close();
    await openai.close();
  });
  beforeEach(() => {
    anthropic.setChunkDelayMs(0);
    openai.setChunkDelayMs(0);
  });

  function run(over: Partial<RunAgentOptions> & { timeoutMs?: number } = {}): Promise<{ result: Awaited<ReturnType<typeof runAgent>> } & Streamed> {
    const streamed: Streamed = { deltas: [], resets: 0, log: [] };
    const timeoutMs = over.timeoutMs ?? 2000;
    return runAgent({
      primary: createProvider(anthropicSettings, timeoutMs),
      skip: [],
      system: 'be brief',
      turns: [{ role: 'user', text: 'hello there world' }],
      maxTokens: 256,
      historyTokens: 1000,
      timeoutMs,
      maxRetries: 2,
      onDelta: (text, reset) => {
        if (reset) {
          streamed.resets++;
          streamed.deltas = [];
        } else streamed.deltas.push(text);
      },
      logger: quiet,
      sleep: async () => undefined,
      ...over,
    }).then((result) => ({ result, ...streamed }));
  }

  test('anthropic: ordered deltas whose join is the final text, usage and request id', async () => {
    const { result, deltas } = await run();
    assert.equal(result.ok, true);
    if (!result.ok) return;
    assert.ok(deltas.length > 3);
    assert.equal(deltas.join(''), 'echo: hello there world');
    assert.equal(result.text, deltas.join(''));
    assert.equal(result.stopReason, 'end_turn');
    assert.deepEqual(result.usage, { input: Math.ceil(('be brief'.length + 'hello there world'.length) / 4), output: 6 });
    assert.equal(result.attempts.length, 1);
    assert.match(result.attempts[0]?.requestId ?? '', /^req_/);
    const body = anthropic.requests.at(-1)?.body as Record<string, unknown>;
    assert.equal(body['system'], 'be brief');
    assert.equal(body['stream'], true);
    assert.equal(body['max_tokens'], 256);
  });

  test('openai: ordered deltas, usage from the include_usage chunk, system first', async () => {
    const { result, deltas } = await run({ primary: createProvider(openaiSettings, 2000) });
    assert.ok(result.ok);
    assert.ok(deltas.length > 3);
    assert.equal(result.text, 'echo: hello there world');
    assert.equal(deltas.join(''), result.text);
    assert.equal(result.provider, 'openai');
    assert.equal(result.stopReason, 'stop');
    assert.deepEqual(result.usage, { input: 7, output: 6 });
    const body = openai.requests.at(-1)?.body as Record<string, unknown>;
    assert.deepEqual(body['stream_options'], { include_usage: true });
    assert.equal(body['max_tokens'], 256, 'a custom base_url gets the widely supported max_tokens');
    assert.deepEqual(bodyMessages(openai)[0], { role: 'system', content: 'be brief' });
  });

  test('history is sent: the second turn carries the first exchange', async () => {
    const turns: HistoryTurn[] = [{ role: 'user', text: 'my name is Ada' }, { role: 'assistant', text: 'hi Ada' }, { role: 'user', text: 'what is my name?' }];
    for (const settings of [anthropicSettings, openaiSettings]) {
      const fake = settings.provider === 'anthropic' ? anthropic : openai;
      const { result } = await run({ primary: createProvider(settings, 2000), turns });
      assert.ok(result.ok);
      const sent = bodyMessages(fake).filter((m) => m.role !== 'system');
      assert.deepEqual(sent, [
        { role: 'user', content: 'my name is Ada' },
        { role: 'assistant', content: 'hi Ada' },
        { role: 'user', content: 'what is my name?' },
      ]);
    }
  });

  test('500, 500, then OK: the answer arrives after 3 attempts with backoff between', async () => {
    anthropic.failNext(2, { status: 500 });
    const waits: number[] = [];
    const { result } = await run({ sleep: async (ms) => { waits.push(ms); } });
    assert.ok(result.ok);
    assert.equal(result.text, 'echo: hello there world');
    assert.deepEqual(result.attempts.map((a) => a.outcome), ['server', 'server', 'ok']);
    assert.deepEqual(result.attempts.map((a) => a.status), [500, 500, undefined]);
    assert.ok(result.attempts.every((a) => /^req_/.test(a.requestId ?? '')));
    assert.equal(waits.length, 2);
    assert.ok((waits[0] ?? 0) >= 250 && (waits[0] ?? 0) <= 500 && (waits[1] ?? 0) >= 500 && (waits[1] ?? 0) <= 1000, `waits ${waits}`);
  });

  test('429 with retry-after 1: the retry waits about a second', async () => {
    anthropic.failNext(1, anthropicRateLimited(1));
    const first = anthropic.callCount();
    const { result } = await run({ sleep: undefined });
    assert.ok(result.ok);
    assert.deepEqual(result.attempts.map((a) => a.outcome), ['rate_limited', 'ok']);
    const [a, b] = anthropic.requests.slice(first);
    const gap = (b?.at ?? 0) - (a?.at ?? 0);
    assert.ok(gap >= 900 && gap < 5000, `retry came ${gap} ms later`);
  });

  test('a hang times out, then the fallback answers', async () => {
    anthropic.hangNext(1);
    const { result, deltas } = await run({ timeoutMs: 300, maxRetries: 0, fallback: createProvider(openaiSettings, 300) });
    assert.ok(result.ok);
    assert.equal(result.provider, 'openai');
    assert.equal(deltas.join(''), 'echo: hello there world');
    assert.deepEqual(result.attempts.map((a) => [a.provider, a.outcome]), [['anthropic', 'timeout'], ['openai', 'ok']]);
    assert.ok((result.attempts[0]?.ms ?? 0) >= 250);
  });

  test('a stall after the first deltas resets the stream before the fallback answers', async () => {
    anthropic.setChunkDelayMs(1000);
    const { result, deltas, resets } = await run({ timeoutMs: 250, maxRetries: 0, fallback: createProvider(openaiSettings, 250) });
    assert.ok(result.ok);
    assert.equal(resets, 1);
    assert.equal(deltas.join(''), 'echo: hello there world');
    assert.deepEqual(result.attempts.map((a) => a.outcome), ['timeout', 'ok']);
  });

  test('401: no retries, the short apology, details with the request id in the log only', async () => {
    const { logger, lines } = captureLogger([KEY, 'wrong-key-xyz']);
    const bad = createProvider({ ...anthropicSettings, api_key: 'wrong-key-xyz' }, 2000);
    const before = anthropic.callCount();
    const { result } = await run({ primary: bad, logger });
    assert.deepEqual(result, { ok: false, apology: APOLOGY, attempts: result.attempts });
    assert.equal(anthropic.callCount() - before, 1);
    assert.equal(result.attempts.length, 1);
    assert.equal(result.attempts[0]?.outcome, 'auth');
    assert.equal(result.attempts[0]?.status, 401);
    const log = lines.join('');
    assert.match(log, /"requestId":"req_/);
    assert.match(log, /no model provider could answer/);
    assert.doesNotMatch(log, /wrong-key-xyz/);
  });

  test('401 on the primary with a fallback: the fallback answers, the attempts name the bad provider', async () => {
    const bad = createProvider({ ...anthropicSettings, api_key: 'wrong-key-xyz' }, 2000);
    const { result } = await run({ primary: bad, fallback: createProvider(openaiSettings, 2000) });
    assert.ok(result.ok);
    assert.deepEqual(result.attempts.map((a) => [a.provider, a.outcome]), [['anthropic', 'auth'], ['openai', 'ok']]);
  });

  test('529 overloaded on anthropic goes straight to the openai fallback', async () => {
    anthropic.failNext(1, anthropicOverloaded());
    const before = anthropic.callCount();
    const { result } = await run({ fallback: createProvider(openaiSettings, 2000) });
    assert.ok(result.ok);
    assert.equal(result.provider, 'openai');
    assert.deepEqual(result.attempts.map((a) => [a.provider, a.outcome, a.status]), [['anthropic', 'overloaded', 529], ['openai', 'ok', undefined]]);
    assert.equal(anthropic.callCount() - before, 1);
  });

  test('429s past max_retries reach the fallback', async () => {
    anthropic.failNext(3, anthropicRateLimited(0));
    const { result } = await run({ fallback: createProvider(openaiSettings, 2000) });
    assert.ok(result.ok);
    assert.deepEqual(result.attempts.map((a) => a.outcome), ['rate_limited', 'rate_limited', 'rate_limited', 'ok']);
    assert.equal(result.provider, 'openai');
  });

  test('a skipped provider is never called', async () => {
    const before = anthropic.callCount();
    const { result } = await run({ skip: ['anthropic'], fallback: createProvider(openaiSettings, 2000) });
    assert.ok(result.ok);
    assert.equal(result.provider, 'openai');
    assert.equal(anthropic.callCount(), before);
  });

  test('every provider skipped: the apology without a call', async () => {
    const before = anthropic.callCount();
    const { result } = await run({ skip: ['anthropic'] });
    assert.deepEqual(result, { ok: false, apology: APOLOGY, attempts: [] });
    assert.equal(anthropic.callCount(), before);
  });

  test('400 bad request is not retried', async () => {
    anthropic.failNext(1, { status: 400 });
    const { result } = await run();
    assert.equal(result.ok, false);
    assert.deepEqual(result.attempts.map((a) => a.outcome), ['bad_request']);
  });

  test('context too long: history trimmed and retried once', async () => {
    const turns: HistoryTurn[] = [];
    for (let i = 0; i < 6; i++) turns.push({ role: 'user', text: `question ${i}` }, { role: 'assistant', text: `answer ${i}` });
    turns.push({ role: 'user', text: 'last question' });
    anthropic.failNext(1, anthropicContextTooLong());
    const { result } = await run({ turns });
    assert.ok(result.ok);
    assert.deepEqual(result.attempts.map((a) => a.outcome), ['context_too_long', 'ok']);
    const firstSent = bodyMessages(anthropic, -2);
    const secondSent = bodyMessages(anthropic, -1);
    assert.equal(firstSent.length, 13);
    assert.ok(secondSent.length < firstSent.length && secondSent.length >= 1, `${firstSent.length} → ${secondSent.length}`);
    assert.deepEqual(secondSent.at(-1), { role: 'user', content: 'last question' });
    assert.equal(secondSent[0]?.role, 'user');
  });

  test('tiny history_tokens: only the newest turns, roles valid', async () => {
    const turns: HistoryTurn[] = [
      { role: 'assistant', text: 'welcome!' },
      { role: 'user', text: 'old question' }, { role: 'assistant', text: 'old answer' },
      { role: 'user', text: 'newer question' }, { role: 'assistant', text: 'newer answer' },
      { role: 'user', text: 'unanswered' }, { role: 'user', text: 'now?' },
    ];
    await run({ turns, historyTokens: 24, primary: createProvider(openaiSettings, 2000) });
    const sent = bodyMessages(openai).filter((m) => m.role !== 'system');
    assert.deepEqual(sent, [
      { role: 'user', content: 'newer question' },
      { role: 'assistant', content: 'newer answer' },
      { role: 'user', content: 'unanswered\n\nnow?' },
    ]);
  });
});
