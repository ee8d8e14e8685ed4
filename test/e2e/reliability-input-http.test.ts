// Reliability suite, HTTP surface: hostile bodies, queries, paths and methods on every route of a real gateway process.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { startGateway, type RunningGateway } from '../helpers/cli.js';
import { errorOf, httpBytes, rawHttp, secretsIn, type RawResponse } from '../helpers/probe.js';
import { checkProperty, hostileBody, hostileJson, hostileString, pct } from '../helpers/hostile-arbs.js';
import { ERROR_STATUS, isErrorCode } from '../../src/errors.js';
import { allRoutes } from '../helpers/routes.js';

const TOKEN = 'http-fuzz-token-0123456789abcdef';
const AUTH = { authorization: `Bearer ${TOKEN}` };
const MAX_BODY = 262_144;
/** uWS refuses request heads past this size by closing; anything smaller must get an answer. */
const MAX_HEAD = 4096;
const RUNS_PER_ROUTE = 20;

function rssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:')) ?? '';
  return Math.round(Number(/\d+/.exec(line)?.[0] ?? 0) / 1024);
}

/** An answer must be JSON (or metrics text); an error must carry a known code matching its status; never a 5xx but 503. */
function checkAnswer(res: RawResponse | undefined, headBytes: number, where: string, mayClose = false): string {
  if (res === undefined) {
    assert.ok(mayClose || headBytes > MAX_HEAD, `${where}: connection closed without an answer`);
    return 'closed';
  }
  assert.ok(res.status < 500 || res.status === 503 || res.status === 507, `${where}: HTTP ${res.status} ${res.body.slice(0, 300)}`);
  assert.deepEqual(secretsIn(res.body, [TOKEN]), [], `${where}: the auth token is in the body`);
  if (res.status >= 400 && res.headers['content-type']?.includes('json')) {
    const err = errorOf(res);
    if (err) {
      assert.ok(isErrorCode(err.code), `${where}: unknown error code ${err.code}`);
      assert.equal(ERROR_STATUS[err.code as keyof typeof ERROR_STATUS], res.status, `${where}: ${err.code} with HTTP ${res.status}`);
      return err.code;
    }
  }
  if (res.status >= 400 && res.status !== 503) {
    // Only uWS itself answers without our JSON (e.g. a request line it cannot parse).
    assert.ok(res.status === 400 || res.status === 431, `${where}: HTTP ${res.status} without a JSON error: ${res.body.slice(0, 200)}`);
  }
  return String(res.status);
}

const segment = fc.oneof(
  hostileString.map(pct),
  fc.constantFrom('%', '%zz', '%E0%A4%A', '%00', '%2F', '..', '.', 'a%2Fb', 'ws:alice', '%C0%AF', '%ED%A0%80', '__proto__', 'constructor'),
  fc.stringMatching(/^[A-Za-z0-9_.:@-]{1,20}$/),
);
const queryValue = fc.oneof(hostileString, fc.integer().map(String), fc.constantFrom('1e3', 'NaN', '-1', '1001', '0x10', 'Infinity', ' 5', '', '1.5'));
const query = fc.oneof(
  fc.array(fc.tuple(fc.oneof(fc.constantFrom('limit', 'session', '__proto__'), hostileString), queryValue), { maxLength: 4 })
    .map((pairs) => pairs.length === 0 ? '' : '?' + pairs.map(([k, v]) => `${pct(k)}=${pct(v)}`).join('&')),
  fc.constantFrom('?%', '?&&&', '?a=%zz', '?limit=%', '?limit=1&limit=2', '?limit[]=1', '?__proto__[polluted]=1'),
);
/** Bodies shaped like what each POST route expects, with hostile values where the fields go. */
function plausibleBody(pattern: string): fc.Arbitrary<Buffer> {
  const value = fc.oneof(hostileString, hostileJson);
  const shapes: Record<string, fc.Arbitrary<unknown>> = {
    '/api/chat': fc.record({ session: value, text: value }, { requiredKeys: [] }),
    '/api/message': fc.record({ channel: fc.oneof(fc.constantFrom('telegram', 'discord'), value), to: value, text: value }, { requiredKeys: [] }),
    '/api/pairing/approve': fc.record({ channel: fc.oneof(fc.constantFrom('telegram', 'discord'), value), code: value }, { requiredKeys: [] }),
    '/v1/chat/completions': fc.record({
      model: fc.oneof(fc.constant('echo'), value),
      messages: fc.oneof(fc.array(fc.record({ role: fc.oneof(fc.constantFrom('user', 'system', 'assistant', 'tool'), value), content: value }, { requiredKeys: [] }), { maxLength: 4 }), value),
      stream: fc.oneof(fc.boolean(), value), user: value, stream_options: fc.oneof(fc.record({ include_usage: fc.oneof(fc.boolean(), value) }), value),
    }, { requiredKeys: [] }),
  };
  const shape = shapes[pattern];
  return shape ? fc.oneof(hostileBody, shape.map((v) => Buffer.from(JSON.stringify(v)))) : hostileBody;
}

const contentType = fc.constantFrom<Record<string, string>>({}, { 'content-type': 'application/json' }, { 'content-type': 'text/plain' }, { 'content-type': 'application/json; charset=latin1' });

describe('reliability: HTTP input on every route', () => {
  let gw: RunningGateway;
  let rssBefore = 0;
  const codes = new Map<string, number>();
  let tried = 0;
  before(async () => {
    gw = await startGateway({ configToml: `[server]\nauth_token = "${TOKEN}"\nrate_limit_per_minute = 0\nmax_payload_bytes = ${MAX_BODY}\n` });
    rssBefore = rssMb(gw.proc.pid as number);
  });
  after(async () => { await gw?.kill(); });

  const send = async (req: Buffer, where: string, mayClose = false): Promise<void> => {
    tried++;
    const head = req.indexOf('\r\n\r\n');
    const code = checkAnswer(await rawHttp(gw.port, req), head, where, mayClose);
    codes.set(code, (codes.get(code) ?? 0) + 1);
  };

  for (const route of allRoutes()) {
    test(`${route.method} ${route.pattern}: hostile path params, queries and bodies`, async () => {
      await checkProperty(fc.asyncProperty(fc.array(segment, { minLength: 2, maxLength: 2 }), query, plausibleBody(route.pattern), contentType, async ([a, b], q, body, ct) => {
        let n = 0;
        const path = route.pattern.replace(/:[a-z]+/g, () => (n++ === 0 ? a : b) ?? 'x');
        await send(httpBytes(route.method, path + q, { ...AUTH, ...ct }, route.method === 'GET' ? '' : body), `${route.method} ${path.slice(0, 80)}${q.slice(0, 80)}`);
      }), { numRuns: RUNS_PER_ROUTE });
    });
  }

  test('unknown methods and paths: 404/405 JSON (uWS closes on methods it does not know), metrics labels bounded', async () => {
    const STANDARD = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'TRACE'];
    const method = fc.oneof(fc.stringMatching(/^[A-Z]{1,12}$/), fc.constantFrom(...STANDARD, 'get', 'CONNECT', 'PROPFIND', 'M-SEARCH'));
    const path = fc.oneof(fc.constantFrom(...allRoutes().map((r) => r.pattern.replace(/:[a-z]+/g, 'x'))), segment.map((s) => `/${s}`), fc.constantFrom('/', '//', '/api/', '/api/../health', '/ws', '/health?x'));
    await checkProperty(fc.asyncProperty(method, path, async (m, p) => {
      await send(httpBytes(m, p, AUTH), `${m} ${p.slice(0, 80)}`, !STANDARD.includes(m));
    }), { numRuns: 80 });
    const metrics = await rawHttp(gw.port, httpBytes('GET', '/metrics', AUTH));
    const series = (metrics?.body ?? '').split('\n').filter((l) => l.startsWith('clanker_http_requests_total{'));
    assert.ok(series.length < 120, `${series.length} HTTP request series: a label takes client-chosen values\n${series.slice(0, 20).join('\n')}`);
  });

  test('bodies past the limit, lying Content-Length and chunked bodies: 413 or an answer, never a hang', async () => {
    const big = Buffer.alloc(MAX_BODY + 1, 'a');
    const cases: Array<[string, Buffer]> = [
      ['declared too big', Buffer.from(`POST /api/chat HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Length: 99999999999\r\nConnection: close\r\n\r\n{}`)],
      ['actually too big', httpBytes('POST', '/api/chat', AUTH, big)],
      ['negative length', Buffer.from(`POST /api/chat HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Length: -1\r\nConnection: close\r\n\r\n{}`)],
      ['chunked', Buffer.from(`POST /api/chat HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n4\r\n{"te\r\n0\r\n\r\n`)],
      ['chunked too big', Buffer.concat([Buffer.from(`POST /api/chat HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${(MAX_BODY + 10).toString(16)}\r\n`), Buffer.alloc(MAX_BODY + 10, 'a'), Buffer.from('\r\n0\r\n\r\n')])],
      ['two lengths', Buffer.from(`POST /api/chat HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Length: 2\r\nContent-Length: 40\r\nConnection: close\r\n\r\n{}`)],
    ];
    for (const [name, req] of cases) {
      tried++;
      const res = await rawHttp(gw.port, req, { timeoutMs: 20_000 });
      if (res) checkAnswer(res, 0, name);
    }
  });

  test('the gateway is up, healthy and its memory bounded after all of it', async (t) => {
    assert.equal(gw.proc.exitCode, null, gw.lines().slice(-20).join('\n'));
    const health = await rawHttp(gw.port, httpBytes('GET', '/health', {}));
    assert.equal(health?.status, 200);
    const chat = await rawHttp(gw.port, httpBytes('POST', '/api/chat', AUTH, JSON.stringify({ text: 'still there?' })));
    assert.equal(chat?.status, 200, chat?.body);
    const rssAfter = rssMb(gw.proc.pid as number);
    assert.ok(rssAfter < rssBefore + 300, `RSS grew from ${rssBefore} to ${rssAfter} MB`);
    assert.deepEqual(secretsIn(gw.lines().join('\n'), [TOKEN]), [], 'the auth token is in the log');
    t.diagnostic(`HTTP inputs tried: ${tried}; answers by code: ${[...codes].map(([c, n]) => `${c}=${n}`).join(' ')}; RSS ${rssBefore} → ${rssAfter} MB`);
  });
});
