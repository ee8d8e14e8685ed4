// Reliability suite, faults: provider outage and recovery, memory above server.max_rss_mb, a full store — each message answered once.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { jsonLines, startGateway, tempDir, type RunningGateway } from '../helpers/cli.js';
import { errorOf, httpBytes, rawHttp, WsProbe, type RawResponse } from '../helpers/probe.js';
import { anthropicOverloaded, startFakeAnthropic, type FakeModelServer } from '../fakes/anthropic.js';

const chat = (port: number, body: Record<string, unknown>): Promise<RawResponse | undefined> =>
  rawHttp(port, httpBytes('POST', '/api/chat', {}, JSON.stringify(body)), { timeoutMs: 60_000 });

async function history(port: number, session: string): Promise<Array<{ role: string; text: string }>> {
  const res = await rawHttp(port, httpBytes('GET', `/api/sessions/${encodeURIComponent(session)}/messages?limit=1000`, {}));
  assert.equal(res?.status, 200, res?.body);
  return (JSON.parse(res?.body ?? '{}') as { messages: Array<{ role: string; text: string }> }).messages;
}

/** The gateway's error log lines, for assertion messages. */
function errors(gw: RunningGateway): string {
  return gw.lines().filter((l) => /"level":(50|60)/.test(l)).slice(-5).map((l) => l.slice(0, 1500)).join('\n');
}

/** Waits (bounded) until a log line matching `msg` appears. */
async function logLine(gw: RunningGateway, msg: RegExp, ms = 20_000): Promise<Record<string, unknown>> {
  const deadline = Date.now() + ms;
  for (;;) {
    const hit = jsonLines(gw.lines()).find((l) => msg.test(String(l.msg)));
    if (hit) return hit;
    if (Date.now() > deadline) throw new Error(`no log line ${msg} within ${ms} ms:\n${gw.lines().slice(-10).join('\n')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('reliability: provider outage and recovery', () => {
  let model: FakeModelServer;
  let gw: RunningGateway;
  before(async () => {
    model = await startFakeAnthropic({ apiKey: 'sk-ant-outage-0123456789' });
    gw = await startGateway({
      configToml: ['[server]', 'rate_limit_per_minute = 0', '[agent]', 'provider = "anthropic"', 'api_key = "sk-ant-outage-0123456789"',
        `base_url = "${model.url}"`, 'max_retries = 1', 'timeout_ms = 1500', ''].join('\n'),
    });
  });
  after(async () => {
    await gw?.kill();
    await model?.close();
  });

  test('errors and hangs get exactly one apology each, the gateway recovers, every message is stored once', async (t) => {
    assert.equal((await chat(gw.port, { session: 'http:warm', text: 'warm up' }))?.status, 200);
    const callsBefore = model.callCount();
    const failures = 30;
    const hangs = 4;
    model.failNext(failures, anthropicOverloaded());
    model.hangNext(hangs);
    const ws = await WsProbe.open(gw.url);
    const sent: Array<{ session: string; text: string }> = [];
    const replies: string[] = [];
    try {
      // 15 HTTP and 15 WS chats during the outage, one session each, all at once.
      await Promise.all(Array.from({ length: 30 }, async (_, i) => {
        const m = { session: `${i % 2 === 0 ? 'http' : 'ws'}:outage-${i}`, text: `during the outage ${i}` };
        sent.push(m);
        if (i % 2 === 0) {
          const res = await chat(gw.port, m);
          assert.equal(res?.status, 200, `${res?.body}\n${errors(gw)}`);
          replies.push((JSON.parse(res?.body ?? '{}') as { text: string }).text);
        } else {
          const res = await ws.request('chat', m, 60_000);
          assert.equal(res?.ok, true, `${JSON.stringify(res)}\n${errors(gw)}`);
          replies.push((res?.result as { text: string }).text);
        }
      }));
      const after = Array.from({ length: 5 }, (_, i) => ({ session: `http:after-${i}`, text: `after the outage ${i}` }));
      for (const m of after) {
        const res = await chat(gw.port, m);
        assert.equal((JSON.parse(res?.body ?? '{}') as { text?: string }).text, `echo: ${m.text}`, 'answered normally once the provider is back');
      }
      const resFrames = ws.frames.filter((f) => f.type === 'res');
      assert.equal(new Set(resFrames.map((f) => f.id)).size, resFrames.length, 'no WS request was answered twice');
      for (const m of [...sent, ...after]) {
        const turns = await history(gw.port, m.session);
        assert.equal(turns.filter((x) => x.role === 'user' && x.text === m.text).length, 1, `${m.session} stored once`);
        assert.ok(turns.filter((x) => x.role === 'assistant').length <= 1, `${m.session} answered at most once`);
      }
      const apologies = replies.filter((r) => !r.startsWith('echo:')).length;
      assert.ok(apologies > 0, 'the outage was felt');
      assert.equal(gw.proc.exitCode, null);
      t.diagnostic(`provider faults injected: ${failures} HTTP 529 + ${hangs} hangs (${model.callCount() - callsBefore} provider calls); messages sent under faults: ${sent.length}, replied exactly once: ${replies.length} (${apologies} apologies, ${replies.length - apologies} answers); after recovery ${after.length}/${after.length} answered`);
    } finally {
      ws.close();
    }
  });
});

describe('reliability: memory above server.max_rss_mb', () => {
  let gw: RunningGateway;
  before(async () => {
    gw = await startGateway({ configToml: '[server]\nmax_rss_mb = 1\nrate_limit_per_minute = 0\n' });
  });
  after(async () => { await gw?.kill(); });

  test('new chats are refused with overloaded (503, Retry-After), the log says why, /health stays 200', async (t) => {
    const line = await logLine(gw, /memory above server\.max_rss_mb/);
    assert.equal(line.limitMb, 1);
    assert.ok(Number(line.rssMb) > 1);
    const res = await chat(gw.port, { text: 'hello' });
    assert.equal(res?.status, 503, res?.body);
    assert.equal(errorOf(res)?.code, 'overloaded');
    assert.match(errorOf(res)?.message ?? '', /server\.max_rss_mb/);
    assert.ok(Number(res?.headers['retry-after']) > 0);
    const ws = await WsProbe.open(gw.url);
    try {
      const wsRes = await ws.request('chat', { text: 'hello' });
      assert.equal(wsRes?.error?.code, 'overloaded');
    } finally {
      ws.close();
    }
    assert.equal((await rawHttp(gw.port, httpBytes('GET', '/health', {})))?.status, 200);
    assert.equal((await rawHttp(gw.port, httpBytes('GET', '/api/status', {})))?.status, 200);
    t.diagnostic(`max_rss_mb=1: shed at RSS ${String(line.rssMb)} MB with "${String(line.msg)}"`);
  });
});

describe('reliability: a full store (storage.map_size_mb)', () => {
  let data: { path: string; cleanup: () => Promise<void> };
  const gateways: RunningGateway[] = [];
  const start = async (mapMb: number): Promise<RunningGateway> => {
    const gw = await startGateway({ dataDir: join(data.path, 'data'), configToml: `[server]\nrate_limit_per_minute = 0\n[storage]\nmap_size_mb = ${mapMb}\n` });
    gateways.push(gw);
    return gw;
  };
  before(async () => { data = await tempDir('clanker-full-'); });
  after(async () => {
    for (const gw of gateways) await gw.kill();
    await data?.cleanup();
  });

  test('fills up: storage_full (507) and a log line; reopened with more room, earlier data reads back and it goes on', async (t) => {
    const gw = await start(16);
    const sessions = ['http:fill-a', 'http:fill-b', 'http:fill-c', 'http:fill-d'];
    let stored = 0;
    let refused: RawResponse | undefined;
    for (let round = 0; round < 100 && !refused; round++) {
      const results = await Promise.all(sessions.map((session) => chat(gw.port, { session, text: `${round} ${'f'.repeat(90_000)}` })));
      stored += results.filter((r) => r?.status === 200).length;
      refused = results.find((r) => r?.status !== 200);
    }
    assert.ok(refused, 'the store never filled up');
    assert.equal(refused.status, 507, `${refused.body}\n${errors(gw)}`);
    assert.equal(errorOf(refused)?.code, 'storage_full');
    assert.ok(stored > 10, `only ${stored} chats fit`);
    const again = await chat(gw.port, { session: 'http:other', text: 'f'.repeat(90_000) });
    assert.equal(again?.status, 507, 'big messages stay refused while full');
    await logLine(gw, /message store is full/);
    assert.equal((await rawHttp(gw.port, httpBytes('GET', '/health', {})))?.status, 200);
    const before = await Promise.all(sessions.map((s) => history(gw.port, s)));
    assert.ok(before.flat().length >= 2 * stored);
    assert.equal((await gw.stop('SIGTERM')).code, 0);

    const bigger = await start(64);
    const after = await Promise.all(sessions.map((s) => history(bigger.port, s)));
    after.forEach((turns, i) => assert.deepEqual(turns.slice(0, before[i]?.length).map((m) => m.text), before[i]?.map((m) => m.text), `${sessions[i]} reads back unchanged`));
    const res = await chat(bigger.port, { session: 'http:fill-a', text: 'room again' });
    assert.equal(res?.status, 200, res?.body);
    t.diagnostic(`full store: ${stored} chats of 90 kB fit in 16 MB, then storage_full; reopened with ${before.flat().length} turns intact and accepted again at 64 MB`);
  });
});
