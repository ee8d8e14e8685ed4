// Reliability suite, auth and secrets: every route and WS method refuses without the token, lockouts, and no secret anywhere.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli, startGateway, type RunningGateway } from '../helpers/cli.js';
import { errorOf, httpBytes, rawHttp, secretsIn, WsProbe } from '../helpers/probe.js';
import { startFakeAnthropic, type FakeModelServer } from '../fakes/anthropic.js';
import { startFakeOpenAI } from '../fakes/openai.js';
import { allRoutes } from '../helpers/routes.js';
import { wsMethods } from '../../src/gateway/ws/methods.js';
import { isAuthorized, tokensEqual } from '../../src/gateway/auth.js';
import type { GatewayApi } from '../../src/gateway/api.js';

const AUTH = 'auth-rel-token-0123456789abcdef';
const AGENT_KEY = 'sk-ant-rel-agent-key-0123456789';
const FALLBACK_KEY = 'sk-openai-rel-fallback-0123456789';
const TELEGRAM = '987654321:AAReliabilityTelegramSecret_0123';
const DISCORD = 'discord-rel-bot-token.0123456789';
const WEBHOOK = 'webhook-rel-secret-0123456789';
const SECRETS = [AUTH, AGENT_KEY, FALLBACK_KEY, TELEGRAM, TELEGRAM.split(':')[1] as string, DISCORD, WEBHOOK];

const ROUTES = allRoutes().map(({ method, pattern, auth }) => ({ method, path: pattern.replace(/:[a-z]+/g, 'ws:x'), auth }));
const WS_METHODS = [...wsMethods({} as GatewayApi).keys()];
const BAD_HEADERS: Array<Record<string, string>> = [
  {}, { authorization: 'Bearer wrong-token-123' }, { authorization: `Bearer ${AUTH}x` }, { authorization: AUTH },
  { authorization: `Basic ${AUTH}` }, { authorization: 'Bearer ' }, { authorization: `Bearer ${AUTH.slice(0, -1)}` },
];

/** A fresh loopback source address per few failures, so this file's own probes never trip the per-address lockout. */
let addressIndex = 0;
let failuresOnAddress = 0;
function probeAddress(): string {
  if (++failuresOnAddress > 8) {
    addressIndex++;
    failuresOnAddress = 1;
  }
  return `127.0.${10 + Math.floor(addressIndex / 250)}.${1 + (addressIndex % 250)}`;
}

describe('reliability: auth on every route and method, secrets never shown', () => {
  let gw: RunningGateway;
  let anthropic: FakeModelServer;
  let openai: FakeModelServer;
  let configToml = '';
  const env = { CLANKER_SERVER_AUTH_TOKEN: AUTH, TELEGRAM_BOT_TOKEN: TELEGRAM, DISCORD_BOT_TOKEN: DISCORD };
  const bodies: string[] = [];
  let tried = 0;

  before(async () => {
    [anthropic, openai] = await Promise.all([startFakeAnthropic({ apiKey: AGENT_KEY }), startFakeOpenAI({ apiKey: FALLBACK_KEY })]);
    configToml = [
      '[server]', 'rate_limit_per_minute = 0',
      '[agent]', 'provider = "anthropic"', `api_key = "${AGENT_KEY}"`, `base_url = "${anthropic.url}"`, 'max_retries = 0',
      '[agent.fallback]', 'provider = "openai"', `api_key = "${FALLBACK_KEY}"`, `base_url = "${openai.url}"`,
      '[channels.telegram]', 'api_root = "http://127.0.0.1:9"', 'mode = "webhook"', `webhook_secret = "${WEBHOOK}"`,
      '[channels.discord]', 'api_base = "http://127.0.0.1:9/api"', '',
    ].join('\n');
    gw = await startGateway({ configToml, env, args: ['--log-level', 'trace'] });
  });
  after(async () => {
    await gw?.kill();
    await Promise.all([anthropic?.close(), openai?.close()]);
  });

  test(`${ROUTES.length} routes × ${BAD_HEADERS.length} bad credentials: 401 JSON everywhere but /health (the webhook wants its secret)`, async () => {
    for (const route of ROUTES) {
      for (const headers of BAD_HEADERS) {
        tried++;
        const res = await rawHttp(gw.port, httpBytes(route.method, route.path, headers, route.method === 'POST' ? '{"text":"x"}' : ''), { localAddress: probeAddress() });
        bodies.push(res?.body ?? '');
        if (/^\/healthz?$/.test(route.path)) {
          assert.equal(res?.status, 200, `${route.method} ${route.path}`);
          continue;
        }
        assert.equal(res?.status, 401, `${route.method} ${route.path} with ${JSON.stringify(headers)}: ${res?.status} ${res?.body}`);
        assert.equal(errorOf(res)?.code, 'unauthorized');
      }
    }
  });

  test(`all ${WS_METHODS.length} WebSocket methods refuse before connect; a wrong token in the upgrade or in connect is refused`, async () => {
    const probe = await WsProbe.open(gw.url, { localAddress: probeAddress() });
    try {
      for (const method of WS_METHODS) {
        tried++;
        const res = await probe.request(method, method === 'chat' ? { text: 'hi' } : {});
        assert.equal(res?.ok, false, method);
        assert.equal(res?.error?.code, 'unauthorized', `${method}: ${JSON.stringify(res)}`);
        bodies.push(JSON.stringify(res));
      }
    } finally {
      probe.close();
    }
    tried++;
    await assert.rejects(WsProbe.open(gw.url, { headerToken: 'wrong-token-123', localAddress: probeAddress() }), /HTTP 401/);
    tried++;
    const wrong = await WsProbe.open(gw.url, { localAddress: probeAddress() });
    const res = await wrong.request('connect', { token: `${AUTH}x` });
    assert.equal(res?.error?.code, 'unauthorized');
    assert.equal(await wrong.closed(), 4401);
  });

  test('token compare: constant-time on digests, any length, no throw', () => {
    assert.equal(tokensEqual(AUTH, AUTH), true);
    for (const other of ['', 'a', AUTH.slice(0, -1), `${AUTH}\u0000`, 'x'.repeat(1_000_000), AUTH.toUpperCase()]) {
      assert.equal(tokensEqual(other, AUTH), false);
      assert.equal(isAuthorized(`Bearer ${other}`, AUTH), false);
    }
    assert.equal(isAuthorized(`bearer   ${AUTH}  `, AUTH), true);
  });

  test('10 bad tokens from one address lock it out (429 even with the right token, HTTP and WS); other addresses are served', async () => {
    const attacker = '127.0.0.3';
    for (let i = 0; i < 10; i++) {
      tried++;
      const res = await rawHttp(gw.port, httpBytes('GET', '/api/status', { authorization: `Bearer guess-${i}` }), { localAddress: attacker });
      assert.equal(res?.status, 401);
    }
    const locked = await rawHttp(gw.port, httpBytes('GET', '/api/status', { authorization: `Bearer ${AUTH}` }), { localAddress: attacker });
    assert.equal(locked?.status, 429, locked?.body);
    assert.equal(errorOf(locked)?.code, 'rate_limited');
    assert.ok(Number(locked?.headers['retry-after']) > 0);
    await assert.rejects(WsProbe.open(gw.url, { headerToken: AUTH, localAddress: attacker }), /HTTP 429/);
    const other = await rawHttp(gw.port, httpBytes('GET', '/api/status', { authorization: `Bearer ${AUTH}` }));
    assert.equal(other?.status, 200);
    bodies.push(locked?.body ?? '', other?.body ?? '');
    tried += 3;
    // The Telegram webhook's secret header is a credential too: guessing it locks the address out the same way.
    const guesser = '127.0.0.4';
    const update = JSON.stringify({ update_id: 1 });
    for (let i = 0; i < 10; i++) {
      tried++;
      const res = await rawHttp(gw.port, httpBytes('POST', '/telegram/webhook', { 'x-telegram-bot-api-secret-token': `guess-${i}` }, update), { localAddress: guesser });
      assert.equal(res?.status, 401, res?.body);
    }
    const hooked = await rawHttp(gw.port, httpBytes('POST', '/telegram/webhook', { 'x-telegram-bot-api-secret-token': WEBHOOK }, update), { localAddress: guesser });
    assert.equal(hooked?.status, 429, hooked?.body);
    tried++;
  });

  test('no secret in error bodies, /api/status, /metrics, `config show`, `clanker status` or the trace-level log', async (t) => {
    const ok = { authorization: `Bearer ${AUTH}` };
    // Traffic that makes the gateway use its keys, including a failing provider call (errors get logged).
    anthropic.failNext(1, { status: 500 });
    for (const text of ['hello', 'again']) {
      const res = await rawHttp(gw.port, httpBytes('POST', '/api/chat', ok, JSON.stringify({ text })), { timeoutMs: 60_000 });
      assert.equal(res?.status, 200, res?.body);
      bodies.push(res?.body ?? '');
    }
    assert.ok(anthropic.requests.length + openai.requests.length >= 2, 'the providers were called');
    for (const path of ['/api/status', '/metrics', '/ready', '/api/sessions', '/no/such/route']) {
      bodies.push((await rawHttp(gw.port, httpBytes('GET', path, ok)))?.body ?? '');
    }
    const cfgFile = `${gw.dir}/clanker.toml`;
    const show = await runCli(['config', 'show', '--config', cfgFile], { env });
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, /api_key = "\*\*\*"/);
    const check = await runCli(['config', 'check', '--config', cfgFile], { env });
    const status = await runCli(['status', '--url', gw.url, '--json'], { env: { CLANKER_TOKEN: AUTH } });
    assert.equal(status.code, 0, status.stderr);
    const scanned: Array<[string, string]> = [
      ['HTTP/WS bodies', bodies.join('\n')], ['config show', show.stdout + show.stderr], ['config check', check.stdout + check.stderr],
      ['clanker status', status.stdout + status.stderr], ['gateway log', gw.lines().join('\n')],
    ];
    for (const [where, text] of scanned) assert.deepEqual(secretsIn(text, SECRETS), [], `${where} shows a secret`);
    const metrics = bodies.find((b) => b.includes('clanker_http_requests_total')) ?? '';
    assert.ok(metrics.length > 0, 'metrics were scanned');
    t.diagnostic(`auth probes: ${tried}; secret scan: ${SECRETS.length} secrets × ${scanned.length} surfaces (${scanned.reduce((n, [, s]) => n + s.length, 0)} chars, ${gw.lines().length} log lines)`);
  });
});
