// Reliability suite, resource limits: floods, idle and slowloris sockets, unread WS clients, oversized frames — while a well-behaved client is served.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { startGateway, type RunningGateway } from '../helpers/cli.js';
import { httpBytes, rawHttp, stalledWsClient, withTimeout, WsProbe } from '../helpers/probe.js';
import { waitFor } from '../helpers/actors.js';

const TOKEN = 'limits-token-0123456789abcdef';
const AUTH = { authorization: `Bearer ${TOKEN}` };
/** uWS closes HTTP sockets that stay idle or trickle for ~10 s; this only bounds the wait. */
const CLOSE_WAIT_MS = 45_000;

function rssMb(pid: number): number {
  return Math.round(Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024);
}

/** Opens a raw TCP connection that sends `bytes` one at a time every `everyMs` (nothing when empty). */
function trickle(port: number, bytes: string, everyMs: number): { socket: Socket; closed: Promise<void> } {
  const socket = connect(port, '127.0.0.1');
  let i = 0;
  let timer: NodeJS.Timeout | undefined;
  socket.on('error', () => undefined);
  socket.on('data', () => undefined);
  socket.once('connect', () => {
    if (bytes.length > 0) timer = setInterval(() => { if (i < bytes.length && socket.writable) socket.write(bytes[i++] as string); }, everyMs);
  });
  const closed = new Promise<void>((resolve) => socket.once('close', () => {
    clearInterval(timer);
    resolve();
  }));
  return { socket, closed };
}

describe('reliability: resource limits with a well-behaved client served throughout', () => {
  let gw: RunningGateway;
  let good: WsProbe;
  let answered = 0;
  const stats: string[] = [];

  before(async () => {
    gw = await startGateway({ configToml: `[server]\nauth_token = "${TOKEN}"\nrate_limit_per_minute = 0\nws_max_buffer_bytes = 262144\n` });
    good = await WsProbe.open(gw.url, { headerToken: TOKEN });
  });
  after(async () => {
    good?.close();
    await gw?.kill();
  });

  /** The well-behaved client: one WS chat on its long-lived connection and one HTTP chat, both answered. */
  const wellBehaved = async (label: string): Promise<void> => {
    const ws = await good.request('chat', { session: 'ws:good', text: `ws ${label}` }, 60_000);
    assert.equal(ws?.ok, true, `${label}: WS chat ${JSON.stringify(ws)}`);
    const http = await rawHttp(gw.port, httpBytes('POST', '/api/chat', AUTH, JSON.stringify({ session: 'http:good', text: `http ${label}` })), { timeoutMs: 60_000 });
    assert.equal(http?.status, 200, `${label}: HTTP chat ${http?.status} ${http?.body}`);
    answered += 2;
  };

  test('connection flood, idle sockets and slowloris: served meanwhile, and uWS closes every one of them', async () => {
    const idle = Array.from({ length: 800 }, () => trickle(gw.port, '', 0));
    const slowHeads = Array.from({ length: 150 }, () => trickle(gw.port, `GET /health HTTP/1.1\r\nHost: x\r\nX-Pad: ${'a'.repeat(200)}`, 300));
    const slowBodies = Array.from({ length: 50 }, () => trickle(gw.port, `POST /api/chat HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Length: 5000\r\n\r\n{"text":"${'a'.repeat(4000)}`, 20));
    const unauthWs = await Promise.all(Array.from({ length: 100 }, () => WsProbe.open(gw.url)));
    const all = [...idle, ...slowHeads, ...slowBodies];
    try {
      await wellBehaved('during the flood');
      await withTimeout(Promise.all(all.map((c) => c.closed)), CLOSE_WAIT_MS, 'the gateway closing idle and slow sockets');
      const codes = await Promise.all(unauthWs.map((w) => w.closed(CLOSE_WAIT_MS)));
      assert.ok(codes.every((c) => c === 4401), `unauthenticated sockets closed with ${[...new Set(codes)].join(', ')}`);
      await wellBehaved('after the flood');
      stats.push(`flood: ${idle.length} idle + ${slowHeads.length} slow-header + ${slowBodies.length} slow-body TCP + ${unauthWs.length} unauthenticated WS, all closed by the gateway`);
    } finally {
      for (const c of all) c.socket.destroy();
      for (const w of unauthWs) w.close();
    }
  });

  test('unread WebSocket subscribers are cut off (1013) while a reading subscriber gets every event in order', async () => {
    const subscribe = JSON.stringify({ type: 'req', id: 's', method: 'subscribe', params: { topics: ['messages'] } });
    const stalled = await Promise.all(Array.from({ length: 20 }, () => stalledWsClient(gw.port, TOKEN, [subscribe])));
    const reader = await WsProbe.open(gw.url, { headerToken: TOKEN });
    const rssBefore = rssMb(gw.proc.pid as number);
    try {
      assert.equal((await reader.request('subscribe', { topics: ['messages'] }))?.ok, true);
      const chats = 25;
      for (let i = 0; i < chats; i++) {
        const res = await rawHttp(gw.port, httpBytes('POST', '/api/chat', AUTH, JSON.stringify({ session: 'http:flood', text: `${i} ${'x'.repeat(99_000)}` })), { timeoutMs: 60_000 });
        assert.equal(res?.status, 200, res?.body);
        if (i % 10 === 0) await wellBehaved(`flooding subscribers, chat ${i}`);
      }
      // Each chat is two message events (in and out); the well-behaved chats add theirs.
      const last = await reader.waitFor((f) => f.type === 'event' && (f as { data?: { id?: string } }).data?.id === `http:flood#${2 * chats - 2}.out`, 60_000);
      assert.ok(last, 'the reading subscriber saw the last answer');
      const seqs = reader.frames.filter((f) => f.type === 'event').map((f) => (f as { seq?: number }).seq ?? -1);
      assert.deepEqual(seqs, seqs.map((_, i) => (seqs[0] ?? 0) + i), 'events arrive with contiguous sequence numbers');
      const slowClosedCount = async (): Promise<number> => {
        const metrics = await rawHttp(gw.port, httpBytes('GET', '/metrics', AUTH));
        return Number(/clanker_ws_slow_consumers_closed (\d+)/.exec(metrics?.body ?? '')?.[1] ?? 0);
      };
      // The gateway checks buffers 50 ms after a publish, so its last check can come after the reader's last event.
      let slowClosed = 0;
      await waitFor(async () => (slowClosed = await slowClosedCount()) >= stalled.length, 'every stalled subscriber closed', 10_000).catch(() => undefined);
      assert.ok(slowClosed >= stalled.length, `only ${slowClosed} slow consumers closed`);
      const rssAfter = rssMb(gw.proc.pid as number);
      stats.push(`unread subscribers: ${stalled.length} stalled, ${slowClosed} closed 1013, reader got ${seqs.length} events in order, RSS ${rssBefore} → ${rssAfter} MB`);
      assert.ok(rssAfter < rssBefore + 400, `RSS grew from ${rssBefore} to ${rssAfter} MB`);
    } finally {
      reader.close();
      for (const s of stalled) s.socket.destroy();
    }
  });

  test('oversized frames from many clients at once: each closed, the gateway unharmed', async () => {
    const clients = await Promise.all(Array.from({ length: 20 }, () => WsProbe.open(gw.url, { headerToken: TOKEN })));
    try {
      const big = JSON.stringify({ type: 'req', id: 'big', method: 'chat', params: { text: 'b'.repeat(2 * 1024 * 1024) } });
      for (const c of clients) c.send(big);
      const codes = await Promise.all(clients.map((c) => c.closed(30_000)));
      assert.ok(codes.every((c) => c === 1009 || c === 1006), `closed with ${[...new Set(codes)].join(', ')}`);
      stats.push(`oversized: ${clients.length} clients sent 2 MB frames, closed with ${[...new Set(codes)].join('/')}`);
      await wellBehaved('after oversized frames');
    } finally {
      for (const c of clients) c.close();
    }
  });

  test('summary: the gateway process is up and the well-behaved client was always answered', (t) => {
    assert.equal(gw.proc.exitCode, null);
    assert.ok(good.open, 'the well-behaved connection is still open');
    t.diagnostic(`limits: ${stats.join('; ')}; well-behaved answers: ${answered}`);
  });
});
