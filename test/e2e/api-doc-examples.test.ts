// Runs every marked example of docs/API.md, in order, against one real gateway (see test/helpers/doc-examples.ts).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startGateway, type RunningGateway } from '../helpers/cli.js';
import { TestWsClient, closedWithin, type Frame } from '../helpers/ws-client.js';
import { docExamples, lineMatches, mismatch, type HttpExample, type WsExample } from '../helpers/doc-examples.js';

const DOC = readFileSync(new URL('../../../docs/API.md', import.meta.url), 'utf8');
/** The docs' examples use this token and this auth timeout, so that they read naturally. */
// Two worker threads whatever the machine: the examples show one agent actor per thread.
const CONFIG = '[server]\nauth_token = "YOUR_TOKEN"\nws_auth_timeout_ms = 1000\nrate_limit_per_minute = 0\n\n[workers]\nthreads = 2\n';

async function runHttp(gw: RunningGateway, ex: HttpExample): Promise<void> {
  const res = await fetch(gw.url + ex.path, { method: ex.method, headers: ex.headers, body: ex.body, signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  assert.equal(res.status, ex.expect.status, text);
  if (ex.expect.mode === 'json') {
    assert.equal(mismatch(JSON.parse(ex.expect.text), JSON.parse(text)), undefined, text);
  } else if (ex.expect.mode === 'lines') {
    const got = text.split('\n');
    for (const line of ex.expect.text.split('\n')) assert.ok(got.some((l) => lineMatches(line, l)), `no line like ${JSON.stringify(line)} in:\n${text}`);
  } else {
    const want = ex.expect.text.split('\n').filter((l) => l !== '');
    const got = text.split('\n').filter((l) => l !== '');
    assert.equal(got.length, want.length, text);
    want.forEach((w, i) => {
      const g = got[i] ?? '';
      if (w === 'data: [DONE]' || !w.startsWith('data: ')) return assert.equal(g, w);
      assert.equal(mismatch(JSON.parse(w.slice(6)), JSON.parse(g.slice(6))), undefined, g);
    });
  }
}

async function runWs(gw: RunningGateway, ex: WsExample): Promise<void> {
  const client = await TestWsClient.connect(gw.url, ex.auth ? { token: 'YOUR_TOKEN' } : {});
  const next = async (i: number): Promise<Frame> => {
    if (client.frames.length <= i) await client.waitFor(() => client.frames.length > i, 10_000, `frame ${i + 1}`);
    return client.frames[i] as Frame;
  };
  let received = 0;
  try {
    for (const step of ex.steps) {
      if (step.dir === 'send') client.sendRaw(step.text);
      else if (step.dir === 'receive') {
        const frame = await next(received++);
        assert.equal(mismatch(step.frame, frame), undefined, JSON.stringify(frame));
      } else {
        const closed = await closedWithin(client, 10_000);
        assert.equal(closed.code, step.code);
        assert.ok(lineMatches(step.reason, closed.reason), `close reason ${JSON.stringify(closed.reason)}`);
      }
    }
  } finally {
    await client.close();
  }
}

describe('docs/API.md examples', () => {
  const examples = docExamples(DOC);
  let gw: RunningGateway;
  // startGateway waits for "gateway ready": the examples show the store and agent actors up.
  before(async () => { gw = await startGateway({ configToml: CONFIG }); });
  after(async () => { await gw?.stop(); });

  test('the document has examples of every route and method', () => {
    const http = new Set(examples.flatMap((e) => (e.kind === 'http' ? [`${e.method} ${e.path.split('?')[0]}`] : [])));
    for (const route of ['POST /api/chat', 'POST /api/message', 'GET /api/sessions', 'GET /api/status', 'POST /api/pairing/approve', 'POST /v1/chat/completions', 'GET /v1/models', 'GET /health', 'GET /healthz', 'GET /ready', 'GET /readyz', 'GET /metrics']) {
      assert.ok(http.has(route), `no example of ${route}`);
    }
    assert.ok([...http].some((r) => /^GET \/api\/sessions\/.+\/messages$/.test(r)), 'no example of GET /api/sessions/:id/messages');
    assert.ok([...http].some((r) => /^DELETE \/api\/sessions\/.+$/.test(r)), 'no example of DELETE /api/sessions/:id');
    const methods = new Set(examples.flatMap((e) => (e.kind === 'ws' ? e.steps.flatMap((s) => {
      if (s.dir !== 'send') return [];
      try { return [(JSON.parse(s.text) as { method?: string }).method ?? '']; } catch { return []; }
    }) : [])));
    for (const m of ['connect', 'subscribe', 'unsubscribe', 'chat', 'send', 'sessions.list', 'sessions.history', 'sessions.reset', 'status', 'ping']) assert.ok(methods.has(m), `no example of ${m}`);
  });

  for (const ex of examples) {
    const name = ex.kind === 'http'
      ? `line ${ex.line}: ${ex.method} ${ex.path}`
      : `line ${ex.line}: /ws ${ex.steps.filter((s) => s.dir === 'send').map((s) => (s.dir === 'send' ? /"method":"([^"]+)"/.exec(s.text)?.[1] ?? 'raw' : '')).join(', ') || '(no frames)'}`;
    test(name, () => (ex.kind === 'http' ? runHttp(gw, ex) : runWs(gw, ex)));
  }
});
