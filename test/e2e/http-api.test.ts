// The HTTP API against a real `clanker serve`: every /api route with its errors, health aliases, and /metrics.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startGateway, type RunningGateway } from '../helpers/cli.js';
import { parsePrometheus, sampleValue } from '../helpers/prometheus.js';
import { assertApiError, call, type JsonResponse } from '../helpers/http.js';

const TOKEN = 'http-test-token-31d7';
const MAX_PAYLOAD = 65_536;
const CONFIG = `
[server]
auth_token = "${TOKEN}"
max_payload_bytes = ${MAX_PAYLOAD}
rate_limit_per_minute = 0
`;

describe('HTTP API', () => {
  let gw: RunningGateway;
  const api = (method: string, path: string, body?: unknown): Promise<JsonResponse> => call(gw.url + path, method, { token: TOKEN, body });

  before(async () => { gw = await startGateway({ configToml: CONFIG }); });
  after(async () => { await gw?.stop(); });

  test('routes need the bearer token: 401 without or with a wrong one, 200 with it', async () => {
    assertApiError(await call(`${gw.url}/api/sessions`, 'GET'), 401, 'unauthorized', /Bearer/);
    assertApiError(await call(`${gw.url}/api/sessions`, 'GET', { token: 'wrong' }), 401, 'unauthorized');
    assert.equal((await api('GET', '/api/sessions')).status, 200);
  });

  test('POST /api/chat → {session, text, usage}; a named session keeps its history', async () => {
    const fresh = await api('POST', '/api/chat', { text: 'hello over http' });
    assert.equal(fresh.status, 200);
    const body = fresh.body as { session: string; text: string; usage: { input: number; output: number } };
    assert.match(body.session, /^http:/);
    assert.equal(body.text, 'hello over http');
    assert.ok(body.usage.input > 0 && body.usage.output > 0);
    const session = `http:named-${Date.now()}`;
    await api('POST', '/api/chat', { session, text: 'one' });
    const second = await api('POST', '/api/chat', { session, text: 'two' });
    assert.equal((second.body as { session: string }).session, session);
    const history = await api('GET', `/api/sessions/${session}/messages`);
    assert.deepEqual((history.body as { messages: Array<{ text: string }> }).messages.map((m) => m.text), ['one', 'one', 'two', 'two']);
  });

  test('bad JSON → 400 bad_json saying where it broke; empty body too', async () => {
    assertApiError(await api('POST', '/api/chat', '{"text": "unclosed'), 400, 'bad_json', /not valid JSON/);
    assertApiError(await api('POST', '/api/chat', '{"text": 1,}'), 400, 'bad_json', /position|JSON at|after/);
    assertApiError(await call(`${gw.url}/api/chat`, 'POST', { token: TOKEN }), 400, 'bad_json', /empty/);
  });

  test('wrong params → 400 bad_params naming the field', async () => {
    assertApiError(await api('POST', '/api/chat', {}), 400, 'bad_params', /^text: required/);
    assertApiError(await api('POST', '/api/chat', { text: '' }), 400, 'bad_params', /^text: /);
    assertApiError(await api('POST', '/api/chat', { text: 'x', mood: 'happy' }), 400, 'bad_params', /^mood: unknown field/);
    assertApiError(await api('POST', '/api/chat', [1]), 400, 'bad_params', /^\(params\): /);
    assertApiError(await api('POST', '/api/message', { channel: 'irc', to: '1', text: 'x' }), 400, 'bad_params', /^channel: expected one of telegram, discord/);
    assertApiError(await api('POST', '/api/message', { channel: 'telegram', text: 'x' }), 400, 'bad_params', /^to: required/);
    assertApiError(await api('GET', '/api/sessions/http:x/messages?limit=abc'), 400, 'bad_params', /^limit: /);
    assertApiError(await api('GET', '/api/sessions/http:x/messages?limit=5000'), 400, 'bad_params', /^limit: /);
    assertApiError(await api('DELETE', '/api/sessions/bad%20id'), 400, 'bad_params', /^session: /);
    assertApiError(await api('POST', '/api/pairing/approve', { channel: 'telegram', code: 'A' }), 400, 'bad_params', /^code: /);
  });

  test('POST /api/message to a channel that is not enabled → 400 naming it', async () => {
    assertApiError(await api('POST', '/api/message', { channel: 'discord', to: '123456789012345678', text: 'hi' }), 400, 'bad_params', /discord is not enabled/);
  });

  test('sessions: list, messages with ?limit=, reset; 404 for an unknown session', async () => {
    const session = `http:sessions-${Date.now()}`;
    await api('POST', '/api/chat', { session, text: 'remember me' });
    const list = await api('GET', '/api/sessions');
    const row = (list.body as { sessions: Array<Record<string, unknown>> }).sessions.find((s) => s.id === session);
    assert.deepEqual(Object.keys(row ?? {}).sort(), ['channel', 'created_at', 'id', 'turns', 'updated_at', 'usage']);
    assert.equal(row?.channel, 'http');
    assert.equal(row?.turns, 2);
    const last = await api('GET', `/api/sessions/${encodeURIComponent(session)}/messages?limit=1`);
    const messages = (last.body as { messages: Array<Record<string, unknown>> }).messages;
    assert.equal(messages.length, 1);
    assert.equal(messages[0]?.role, 'assistant');
    assert.equal(messages[0]?.model, 'echo');
    assert.deepEqual((await api('DELETE', `/api/sessions/${session}`)).body, { session, reset: true });
    assert.deepEqual(((await api('GET', `/api/sessions/${session}/messages`)).body as { messages: unknown[] }).messages, []);
    assertApiError(await api('GET', '/api/sessions/http:nobody/messages'), 404, 'not_found', /http:nobody/);
    assertApiError(await api('DELETE', '/api/sessions/http:nobody'), 404, 'not_found');
  });

  test('POST /api/pairing/approve with no such pending code → 404', async () => {
    assertApiError(await api('POST', '/api/pairing/approve', { channel: 'telegram', code: 'ABCD1234' }), 404, 'not_found', /ABCD1234/);
  });

  test('413 for a body over server.max_payload_bytes, declared or streamed', async () => {
    assertApiError(await api('POST', '/api/chat', { text: 'x'.repeat(MAX_PAYLOAD) }), 413, 'payload_too_large', /max_payload_bytes/);
    const chunks = [Buffer.from('{"text":"'), Buffer.alloc(MAX_PAYLOAD, 'y'), Buffer.from('"}')];
    const streamed = await fetch(`${gw.url}/api/chat`, {
      method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: new ReadableStream({ start(c) { for (const chunk of chunks) c.enqueue(chunk); c.close(); } }),
      duplex: 'half', signal: AbortSignal.timeout(10_000),
    } as RequestInit & { duplex: 'half' });
    assert.equal(streamed.status, 413);
    assert.equal(((await streamed.json()) as { error: { code: string } }).error.code, 'payload_too_large');
  });

  test('unknown route → 404, wrong method → 405, malformed path encoding → 400 (and the gateway lives on)', async () => {
    assertApiError(await api('GET', '/api/nothing'), 404, 'not_found', /GET \/api\/nothing/);
    assertApiError(await api('PUT', '/api/sessions'), 405, 'method_not_allowed');
    assertApiError(await api('GET', '/api/sessions/%E0%A4%A/messages'), 400, 'bad_request', /percent-encoding/);
    assert.equal((await call(`${gw.url}/health`, 'GET')).status, 200);
  });

  test('/healthz and /readyz answer like /health and /ready', async () => {
    const health = await call(`${gw.url}/health`, 'GET');
    const healthz = await call(`${gw.url}/healthz`, 'GET');
    assert.equal(healthz.status, 200);
    assert.deepEqual(healthz.body, health.body);
    assertApiError(await call(`${gw.url}/readyz`, 'GET'), 401, 'unauthorized');
    const readyz = await api('GET', '/readyz');
    assert.equal(readyz.status, 200);
    assert.equal((readyz.body as { status: string }).status, 'ready');
    assert.deepEqual(Object.keys(readyz.body as object).sort(), Object.keys((await api('GET', '/ready')).body as object).sort());
  });

  test('GET /api/status', async () => {
    const status = (await api('GET', '/api/status')).body as Record<string, unknown>;
    for (const key of ['version', 'uptime_s', 'agent', 'channels', 'actors', 'connections', 'usage']) assert.ok(key in status, key);
  });

  test('/metrics is Prometheus text, needs the token, and its counters move when messages flow', async () => {
    assert.equal((await fetch(`${gw.url}/metrics`, { signal: AbortSignal.timeout(5000) })).status, 401);
    const scrape = async () => {
      const res = await fetch(`${gw.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` }, signal: AbortSignal.timeout(5000) });
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
      return parsePrometheus(await res.text());
    };
    const before = await scrape();
    for (const name of ['clanker_http_requests_total', 'clanker_ws_connections', 'clanker_actor_mailbox_depth', 'clanker_agent_latency_seconds_count', 'clanker_process_resident_memory_bytes']) {
      assert.ok(before.some((s) => s.name === name), `${name} is exported`);
    }
    await api('POST', '/api/chat', { text: 'count me' });
    await api('POST', '/api/chat', { text: 'and me' });
    const after = await scrape();
    const delta = (name: string, labels: Record<string, string>): number => sampleValue(after, name, labels) - sampleValue(before, name, labels);
    assert.equal(delta('clanker_messages_total', { channel: 'http', direction: 'in' }), 2);
    assert.equal(delta('clanker_messages_total', { channel: 'http', direction: 'out' }), 2);
    assert.equal(delta('clanker_http_requests_total', { route: '/api/chat', method: 'POST', status: '200' }), 2);
    assert.equal(delta('clanker_agent_latency_seconds_count', { provider: 'echo', outcome: 'ok' }), 2);
    assert.ok(delta('clanker_agent_tokens_total', { provider: 'echo', direction: 'out' }) > 0);
  });
});
