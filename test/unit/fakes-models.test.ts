// Proves the fake Anthropic and OpenAI servers speak the wire protocols the real SDKs expect.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { anthropicContextTooLong, anthropicOverloaded, anthropicRateLimited, startFakeAnthropic } from '../fakes/anthropic.js';
import { FAKE_OPENAI_MODELS, openaiContextTooLong, openaiRateLimited, startFakeOpenAI } from '../fakes/openai.js';
import type { FakeModelServer } from '../fakes/model-fake-core.js';
import { conversationText, limitToTokens, splitIntoDeltas } from '../fakes/model-fake-text.js';

const KEY = 'test-key-123';

async function waitFor(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('waitFor timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('model fake text helpers', () => {
  for (const text of ['', 'hi', 'echo: hello world', '  lead and trail  ', 'supercalifragilistic word', 'a\nb\n\nc']) {
    test(`splitIntoDeltas round-trips ${JSON.stringify(text)}`, () => {
      const deltas = splitIntoDeltas(text);
      assert.equal(deltas.join(''), text);
      assert.ok(deltas.every((d) => d.length > 0 && d.length <= 4));
    });
  }
  test('conversationText reads system, string and block contents', () => {
    const body = { system: [{ type: 'text', text: 'sys' }], messages: [{ role: 'user', content: 'a' }, { role: 'assistant', content: 'b' }, { role: 'user', content: [{ type: 'text', text: 'c' }, { type: 'image' }] }] };
    assert.deepEqual(conversationText(body), { all: ['sys', 'a', 'b', 'c'], lastUser: 'c' });
  });
  test('limitToTokens cuts to four characters per token', () => {
    assert.deepEqual(limitToTokens('abcdefghij', 2), { text: 'abcdefgh', truncated: true });
    assert.deepEqual(limitToTokens('abcdefgh', 2), { text: 'abcdefgh', truncated: false });
  });
});

describe('fake Anthropic through @anthropic-ai/sdk', () => {
  let fake: FakeModelServer;
  let client: Anthropic;
  const params = { model: 'claude-test', max_tokens: 1024, system: 'be brief', messages: [{ role: 'user' as const, content: 'hello there world' }] };
  before(async () => {
    fake = await startFakeAnthropic({ apiKey: KEY });
    client = new Anthropic({ apiKey: KEY, baseURL: fake.url, maxRetries: 0, timeout: 2000 });
  });
  after(() => fake.close());

  test('streaming yields ordered deltas whose join is the final text', async () => {
    const stream = client.messages.stream(params);
    const deltas: string[] = [];
    stream.on('text', (delta) => deltas.push(delta));
    const message = await stream.finalMessage();
    const block = message.content[0];
    assert.equal(block?.type, 'text');
    assert.equal(block.type === 'text' ? block.text : '', 'echo: hello there world');
    assert.ok(deltas.length > 3);
    assert.equal(deltas.join(''), 'echo: hello there world');
    assert.equal(message.stop_reason, 'end_turn');
    assert.equal(message.usage.output_tokens, Math.ceil('echo: hello there world'.length / 4));
    assert.equal(message.usage.input_tokens, Math.ceil(('be brief'.length + 'hello there world'.length) / 4));
  });

  test('non-streaming returns the message and records the request', async () => {
    fake.setReply((last) => `reply to ${last}`);
    const countBefore = fake.callCount();
    const message = await client.messages.create(params);
    fake.setReply((last) => `echo: ${last}`);
    assert.deepEqual(message.content.map((b) => (b.type === 'text' ? b.text : '')), ['reply to hello there world']);
    assert.equal(fake.callCount(), countBefore + 1);
    const recorded = fake.requests.at(-1);
    assert.equal(recorded?.path, '/v1/messages');
    assert.equal(recorded?.headers['authorization'], `Bearer ${KEY}`);
    assert.deepEqual(recorded?.body, params);
  });

  test('max_tokens cuts the reply with stop_reason max_tokens', async () => {
    const message = await client.messages.create({ ...params, max_tokens: 2 });
    assert.equal(message.stop_reason, 'max_tokens');
    assert.deepEqual(message.content.map((b) => (b.type === 'text' ? b.text : '')), ['echo: he']);
  });

  test('failNext 500 surfaces as APIError with status and request id', async () => {
    fake.failNext(1, { status: 500 });
    const err = await client.messages.create(params).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof Anthropic.APIError);
    assert.equal(err.status, 500);
    assert.match(err.requestID ?? '', /^req_/);
    assert.equal(err.type, 'api_error');
    await client.messages.create(params); // only one call failed
  });

  test('429 carries retry-after; 529 is overloaded; context too long is invalid_request_error', async () => {
    fake.failNext(1, anthropicRateLimited(7));
    fake.failNext(1, anthropicOverloaded());
    fake.failNext(1, anthropicContextTooLong(300_000, 200_000));
    const errors = [];
    for (let i = 0; i < 3; i++) errors.push(await client.messages.create(params).then(() => undefined, (e: unknown) => e));
    const [limited, overloaded, tooLong] = errors;
    assert.ok(limited instanceof Anthropic.RateLimitError);
    assert.equal(limited.headers?.get('retry-after'), '7');
    assert.ok(overloaded instanceof Anthropic.OverloadedError);
    assert.equal(overloaded.type, 'overloaded_error');
    assert.ok(tooLong instanceof Anthropic.BadRequestError);
    assert.equal(tooLong.type, 'invalid_request_error');
    assert.match(tooLong.message, /prompt is too long: 300000 tokens > 200000 maximum/);
  });

  test('hangNext never answers; the SDK timeout aborts', async () => {
    fake.hangNext(1);
    const quick = new Anthropic({ apiKey: KEY, baseURL: fake.url, maxRetries: 0, timeout: 150 });
    await assert.rejects(quick.messages.create(params), Anthropic.APIConnectionTimeoutError);
  });

  test('chunk delay spaces deltas; a client abort mid-stream leaves the fake serving', async () => {
    fake.setChunkDelayMs(30);
    const stream = client.messages.stream(params);
    const first = await new Promise<string>((resolve) => stream.once('text', resolve));
    stream.abort();
    await stream.done().catch(() => undefined);
    fake.setChunkDelayMs(0);
    assert.equal(first, 'echo');
    const message = await client.messages.create(params);
    assert.equal(message.stop_reason, 'end_turn');
  });

  test('a wrong key gets 401 without the key in the body; x-api-key is accepted', async () => {
    const wrong = new Anthropic({ apiKey: 'nope', baseURL: fake.url, maxRetries: 0 });
    const err = await wrong.messages.create(params).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof Anthropic.AuthenticationError);
    assert.equal(err.type, 'authentication_error');
    assert.doesNotMatch(JSON.stringify(err.error), /nope|test-key/);
    const res = await fetch(`${fake.url}/v1/messages`, { method: 'POST', headers: { 'x-api-key': KEY, 'content-type': 'application/json' }, body: JSON.stringify(params) });
    assert.equal(res.status, 200);
  });
});

describe('fake OpenAI through openai', () => {
  let fake: FakeModelServer;
  let client: OpenAI;
  const params = { model: 'gpt-4o', messages: [{ role: 'system' as const, content: 'be brief' }, { role: 'user' as const, content: 'hello there world' }] };
  before(async () => {
    fake = await startFakeOpenAI({ apiKey: KEY });
    client = new OpenAI({ apiKey: KEY, baseURL: fake.url, maxRetries: 0, timeout: 2000 });
  });
  after(() => fake.close());

  test('streaming yields ordered deltas, a finish chunk and a usage chunk', async () => {
    const stream = await client.chat.completions.create({ ...params, stream: true, stream_options: { include_usage: true } });
    const deltas: string[] = [];
    const finishes: string[] = [];
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      if (choice?.delta.content) deltas.push(choice.delta.content);
      if (choice?.finish_reason) finishes.push(choice.finish_reason);
      if (chunk.usage) usage = chunk.usage;
    }
    assert.ok(deltas.length > 3);
    assert.equal(deltas.join(''), 'echo: hello there world');
    assert.deepEqual(finishes, ['stop']);
    assert.deepEqual(usage, { prompt_tokens: 7, completion_tokens: 6, total_tokens: 13 });
  });

  test('non-streaming returns the completion with usage and records the request', async () => {
    const completion = await client.chat.completions.create(params);
    assert.equal(completion.choices[0]?.message.content, 'echo: hello there world');
    assert.equal(completion.choices[0]?.finish_reason, 'stop');
    assert.equal(completion.usage?.total_tokens, 13);
    const recorded = fake.requests.at(-1);
    assert.equal(recorded?.path, '/v1/chat/completions');
    assert.equal(recorded?.headers['authorization'], `Bearer ${KEY}`);
    assert.deepEqual(recorded?.body, params);
  });

  test('failNext 500 surfaces as APIError with status and request id', async () => {
    fake.failNext(1, { status: 500 });
    const err = await client.chat.completions.create(params).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof OpenAI.APIError);
    assert.equal(err.status, 500);
    assert.match(err.requestID ?? '', /^req_/);
    assert.equal(err.type, 'server_error');
  });

  test('429 carries retry-after; context too long has code context_length_exceeded', async () => {
    fake.failNext(1, openaiRateLimited(3));
    fake.failNext(1, openaiContextTooLong());
    const limited = await client.chat.completions.create(params).then(() => undefined, (e: unknown) => e);
    const tooLong = await client.chat.completions.create(params).then(() => undefined, (e: unknown) => e);
    assert.ok(limited instanceof OpenAI.RateLimitError);
    assert.equal(limited.headers?.get('retry-after'), '3');
    assert.equal(limited.code, 'rate_limit_exceeded');
    assert.ok(tooLong instanceof OpenAI.BadRequestError);
    assert.equal(tooLong.code, 'context_length_exceeded');
  });

  test('hangNext + SDK timeout aborts; close() ends hanging calls', async () => {
    fake.hangNext(1);
    const quick = new OpenAI({ apiKey: KEY, baseURL: fake.url, maxRetries: 0, timeout: 150 });
    await assert.rejects(quick.chat.completions.create(params), OpenAI.APIConnectionTimeoutError);

    const own = await startFakeOpenAI();
    own.hangNext(1);
    const patient = new OpenAI({ apiKey: 'x', baseURL: own.url, maxRetries: 0, timeout: 5000 });
    const pending = patient.chat.completions.create(params).then(() => undefined, (e: unknown) => e);
    await waitFor(() => own.callCount() === 1);
    await own.close();
    assert.ok((await pending) instanceof OpenAI.APIConnectionError);
  });

  test('a wrong key gets 401 invalid_api_key', async () => {
    const wrong = new OpenAI({ apiKey: 'nope', baseURL: fake.url, maxRetries: 0 });
    const err = await wrong.chat.completions.create(params).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof OpenAI.AuthenticationError);
    assert.equal(err.code, 'invalid_api_key');
  });

  test('models list', async () => {
    const ids: string[] = [];
    for await (const model of client.models.list()) ids.push(model.id);
    assert.deepEqual(ids, [...FAKE_OPENAI_MODELS]);
  });
});
