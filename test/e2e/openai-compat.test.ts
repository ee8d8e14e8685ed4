// The official `openai` client pointed at the gateway's /v1: streamed and non-streamed completions with the echo
// provider and with the fake OpenAI and Anthropic servers behind the gateway, conversation mapping, and errors.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startGateway, type RunningGateway } from '../helpers/cli.js';
import { call } from '../helpers/http.js';
import { startFakeOpenAI } from '../fakes/openai.js';
import { startFakeAnthropic } from '../fakes/anthropic.js';
import type { FakeModelServer } from '../fakes/model-fake-core.js';

const TOKEN = 'openai-compat-token-77aa';
const SERVER = `[server]\nauth_token = "${TOKEN}"\nrate_limit_per_minute = 0\n`;

function sdk(gw: RunningGateway, apiKey = TOKEN): OpenAI {
  return new OpenAI({ apiKey, baseURL: `${gw.url}/v1`, maxRetries: 0, timeout: 15_000 });
}

/** Streams a completion through the SDK; returns the text, every chunk, and the usage chunk if any. */
async function streamed(client: OpenAI, messages: OpenAI.ChatCompletionMessageParam[], includeUsage = true) {
  const stream = await client.chat.completions.create({ model: 'any', messages, stream: true, stream_options: { include_usage: includeUsage } });
  const chunks: OpenAI.ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
  return { text, chunks, usage: chunks.at(-1)?.usage ?? undefined };
}

function assertStreamShape(chunks: OpenAI.ChatCompletionChunk[]): void {
  assert.ok(chunks.length >= 3);
  assert.equal(chunks[0]?.choices[0]?.delta.role, 'assistant');
  assert.equal(new Set(chunks.map((c) => c.id)).size, 1, 'one id for the whole stream');
  for (const c of chunks) assert.equal(c.object, 'chat.completion.chunk');
  const finishes = chunks.flatMap((c) => c.choices.map((ch) => ch.finish_reason)).filter((f) => f !== null);
  assert.deepEqual(finishes, ['stop']);
}

describe('OpenAI-compatible API with the echo provider', () => {
  let gw: RunningGateway;
  let client: OpenAI;
  before(async () => {
    gw = await startGateway({ configToml: SERVER });
    client = sdk(gw);
  });
  after(async () => { await gw?.stop(); });

  test('GET /v1/models lists the configured model; retrieving another is 404', async () => {
    const models = await client.models.list();
    assert.deepEqual(models.data.map((m) => [m.id, m.object]), [['echo', 'model']]);
    assert.equal((await client.models.retrieve('echo')).id, 'echo');
    await assert.rejects(client.models.retrieve('gpt-5'), (err: unknown) => err instanceof OpenAI.NotFoundError && /not configured/.test(err.message));
  });

  test('non-streamed: chat.completion with the answer and usage', async () => {
    const res = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'say this back' }] });
    assert.equal(res.object, 'chat.completion');
    assert.match(res.id, /^chatcmpl-/);
    assert.equal(res.model, 'echo');
    assert.equal(res.choices[0]?.message.role, 'assistant');
    assert.equal(res.choices[0]?.message.content, 'say this back');
    assert.equal(res.choices[0]?.finish_reason, 'stop');
    assert.ok(res.usage && res.usage.prompt_tokens > 0 && res.usage.completion_tokens > 0);
    assert.equal(res.usage?.total_tokens, (res.usage?.prompt_tokens ?? 0) + (res.usage?.completion_tokens ?? 0));
  });

  test('streamed: chunks with the text in pieces, a stop chunk, then usage', async () => {
    const text = 'stream these words back to me please';
    const { text: got, chunks, usage } = await streamed(client, [{ role: 'user', content: text }]);
    assert.equal(got, text);
    assert.ok(chunks.filter((c) => c.choices[0]?.delta.content).length >= 2, 'more than one content chunk');
    assertStreamShape(chunks.slice(0, -1));
    assert.deepEqual(chunks.at(-1)?.choices, []);
    assert.ok(usage && usage.completion_tokens > 0);
  });

  test('the SSE wire: only data: lines, ending with data: [DONE]', async () => {
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'echo', stream: true, messages: [{ role: 'user', content: 'wire check' }] }),
      signal: AbortSignal.timeout(10_000),
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    const events = (await res.text()).split('\n\n').filter((e) => e !== '');
    for (const e of events) assert.match(e, /^data: /);
    assert.equal(events.at(-1), 'data: [DONE]');
    for (const e of events.slice(0, -1)) assert.equal((JSON.parse(e.slice(6)) as { usage?: unknown }).usage, undefined, 'no usage unless asked');
  });

  test('without `user`, the request\'s conversation becomes a fresh session\'s history', async () => {
    const { data, response } = await client.chat.completions.create({
      model: 'echo',
      messages: [
        { role: 'system', content: 'ignored: the gateway has its own prompt' },
        { role: 'user', content: 'first question' },
        { role: 'assistant', content: 'first answer' },
        { role: 'user', content: [{ type: 'text', text: 'second ' }, { type: 'text', text: 'question' }] },
      ],
    }).withResponse();
    assert.equal(data.choices[0]?.message.content, 'second question');
    const session = response.headers.get('x-clanker-session') ?? '';
    assert.match(session, /^openai:/);
    const history = await call(`${gw.url}/api/sessions/${session}/messages`, 'GET', { token: TOKEN });
    const turns = (history.body as { messages: Array<{ role: string; text: string }> }).messages.map((m) => `${m.role}:${m.text}`);
    assert.deepEqual(turns, ['user:first question', 'assistant:first answer', 'user:second question', 'assistant:second question']);
  });

  test('with `user`, the session is openai:<user> and the gateway\'s own history is kept', async () => {
    const user = `alice-${Date.now()}`;
    await client.chat.completions.create({ model: 'echo', user, messages: [{ role: 'user', content: 'hi' }] });
    await client.chat.completions.create({
      model: 'echo', user,
      messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'a reply the gateway never gave' }, { role: 'user', content: 'again' }],
    });
    const history = await call(`${gw.url}/api/sessions/openai:${user}/messages`, 'GET', { token: TOKEN });
    const texts = (history.body as { messages: Array<{ text: string }> }).messages.map((m) => m.text);
    assert.deepEqual(texts, ['hi', 'hi', 'again', 'again']);
  });

  test('errors reach the SDK as APIError with our code and a message naming the field', async () => {
    const bad = (messages: unknown, extra: Record<string, unknown> = {}) =>
      client.chat.completions.create({ model: 'echo', messages: messages as OpenAI.ChatCompletionMessageParam[], ...extra });
    const rejectsWith = (p: Promise<unknown>, pattern: RegExp) =>
      assert.rejects(p, (err: unknown) => err instanceof OpenAI.BadRequestError && err.code === 'bad_params' && pattern.test(err.message));
    await rejectsWith(bad([{ role: 'robot', content: 'x' }]), /messages\.0\.role: expected one of/);
    await rejectsWith(bad([]), /messages: /);
    await rejectsWith(bad([{ role: 'system', content: 'only a system prompt' }]), /role "user"/);
    await rejectsWith(bad([{ role: 'user', content: 'q' }, { role: 'assistant', content: 'prefill' }]), /messages\.1: the conversation must end with a user message/);
    await rejectsWith(bad([{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'http://x' } }] }]), /messages\.0\.content\.0: only/);
    await rejectsWith(bad([{ role: 'user', content: '   ' }]), /messages\.0\.content: must not be empty/);
    await rejectsWith(bad([{ role: 'user', content: 'x' }], { n: 2 }), /^400 n: /);
    await rejectsWith(bad([{ role: 'user', content: 'x' }], { user: 'has spaces' }), /^400 user: /);
    await assert.rejects(sdk(gw, 'wrong-key').models.list(), (err: unknown) => err instanceof OpenAI.AuthenticationError && err.code === 'unauthorized');
  });
});

describe('OpenAI-compatible API in front of real providers (the OpenAI and Anthropic fakes)', () => {
  const KEY = 'sk-upstream-fake-key';
  let openaiFake: FakeModelServer;
  let anthropicFake: FakeModelServer;
  const gateways: RunningGateway[] = [];
  const gatewayFor = async (provider: string, fake: FakeModelServer): Promise<RunningGateway> => {
    const gw = await startGateway({ configToml: `${SERVER}\n[agent]\nprovider = "${provider}"\napi_key = "${KEY}"\nbase_url = "${fake.url}"\nmax_retries = 0\n` });
    gateways.push(gw);
    return gw;
  };
  before(async () => {
    [openaiFake, anthropicFake] = await Promise.all([startFakeOpenAI({ apiKey: KEY }), startFakeAnthropic({ apiKey: KEY })]);
  });
  after(async () => {
    await Promise.all(gateways.map((gw) => gw.stop()));
    await Promise.all([openaiFake?.close(), anthropicFake?.close()]);
  });

  for (const provider of ['openai', 'anthropic'] as const) {
    test(`${provider}: streamed and non-streamed completions carry the provider's answer and the whole conversation`, async () => {
      const fake = provider === 'openai' ? openaiFake : anthropicFake;
      const gw = await gatewayFor(provider, fake);
      const client = sdk(gw);
      const models = await client.models.list();
      assert.deepEqual(models.data.map((m) => m.id), [provider === 'openai' ? 'gpt-4o-mini' : 'claude-sonnet-4-5']);

      const res = await client.chat.completions.create({
        model: 'whatever',
        messages: [{ role: 'user', content: 'earlier' }, { role: 'assistant', content: 'earlier answer' }, { role: 'user', content: 'plain call' }],
      });
      assert.equal(res.choices[0]?.message.content, 'echo: plain call');
      assert.equal(res.model, models.data[0]?.id);
      assert.ok((res.usage?.completion_tokens ?? 0) > 0);
      const sent = JSON.stringify(fake.requests.at(-1)?.body);
      for (const text of ['earlier', 'earlier answer', 'plain call']) assert.ok(sent.includes(text), `the provider got "${text}"`);

      fake.setChunkDelayMs(5);
      const { text, chunks, usage } = await streamed(client, [{ role: 'user', content: 'streamed call with several words' }]);
      fake.setChunkDelayMs(0);
      assert.equal(text, 'echo: streamed call with several words');
      assertStreamShape(chunks.slice(0, -1));
      assert.ok((usage?.completion_tokens ?? 0) > 0);
    });
  }

  test('a client that drops a stream mid-answer does not hurt the gateway; the answer still lands in the session', async () => {
    const gw = gateways[0] ?? await gatewayFor('openai', openaiFake);
    openaiFake.setChunkDelayMs(40);
    const controller = new AbortController();
    try {
      const res = await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'x', stream: true, messages: [{ role: 'user', content: 'a b c d e f g h i j k l m n o p' }] }),
        signal: controller.signal,
      });
      const session = res.headers.get('x-clanker-session') ?? '';
      const reader = res.body?.getReader();
      await reader?.read();
      controller.abort();
      const deadline = Date.now() + 10_000;
      let texts: string[] = [];
      while (Date.now() < deadline && texts.length < 2) {
        const history = await call(`${gw.url}/api/sessions/${session}/messages`, 'GET', { token: TOKEN });
        texts = (history.body as { messages: Array<{ text: string }> }).messages.map((m) => m.text);
        if (texts.length < 2) await new Promise((r) => setTimeout(r, 50));
      }
      assert.deepEqual(texts, ['a b c d e f g h i j k l m n o p', 'echo: a b c d e f g h i j k l m n o p']);
    } finally {
      openaiFake.setChunkDelayMs(0);
    }
    assert.equal((await sdk(gw).chat.completions.create({ model: 'x', messages: [{ role: 'user', content: 'still here' }] })).choices[0]?.message.content, 'echo: still here');
  });

  test('a provider failure before any text is an HTTP error (502 provider_unavailable), streamed or not', async () => {
    const gw = gateways[0] ?? await gatewayFor('openai', openaiFake);
    const client = sdk(gw);
    openaiFake.failNext(2, { status: 500 });
    const isUnavailable = (err: unknown): boolean => err instanceof OpenAI.APIError && err.status === 502 && err.code === 'provider_unavailable';
    await assert.rejects(client.chat.completions.create({ model: 'x', messages: [{ role: 'user', content: 'fail me' }] }), isUnavailable);
    await assert.rejects(streamed(client, [{ role: 'user', content: 'fail me too' }]), isUnavailable);
  });
});
