// Load process for ws-chat and footprint: WebSocket clients sending requests (chat, ping) and timing each round trip.
import type WebSocket from 'ws';
import { Histogram } from '../lib/stats.js';
import { probeText, sleep } from '../lib/clock.js';
import { serveCommands, type IpcMessage } from '../lib/procs.js';
import { connectMany, rawText, terminateAll } from '../lib/ws-client.js';

interface Client { ws: WebSocket; index: number; inFlight: Map<string, number>; next: number; whenIdle: (() => void) | undefined }

let clients: Client[] = [];
let hist = new Histogram();
let errors = new Map<string, number>();
let completed = 0;
let nextProbe = 0;
let tag = 'c';

function onFrame(c: Client, data: WebSocket.RawData): void {
  const text = rawText(data);
  if (!text.startsWith('{"type":"res"')) return; // chat.delta events and anything else
  const at = performance.now();
  const frame = JSON.parse(text) as { id: string; ok: boolean; error?: { code?: string } };
  const sentAt = c.inFlight.get(frame.id);
  if (sentAt === undefined) return;
  c.inFlight.delete(frame.id);
  if (frame.ok) {
    hist.record(at - sentAt);
    completed++;
  } else {
    const code = frame.error?.code ?? 'unknown';
    errors.set(code, (errors.get(code) ?? 0) + 1);
  }
  if (c.inFlight.size === 0 && c.whenIdle) {
    const wake = c.whenIdle;
    c.whenIdle = undefined;
    wake();
  }
}

function send(c: Client, method: string): void {
  const id = `${c.next++}`;
  const params = method === 'chat' ? { session: `bench-${tag}-${c.index}`, text: probeText(nextProbe++) } : {};
  c.inFlight.set(id, performance.now());
  c.ws.send(JSON.stringify({ type: 'req', id, method, params }));
}

function reset(): void {
  hist = new Histogram();
  errors = new Map();
  completed = 0;
}

function result(startedAt: number): IpcMessage {
  const seconds = (performance.now() - startedAt) / 1000;
  const unanswered = clients.reduce((s, c) => s + c.inFlight.size, 0);
  for (const c of clients) c.inFlight.clear();
  return { type: 'result', hist: hist.toJSON(), completed, seconds, perSec: completed / seconds, unanswered, errors: [...errors].map(([k, v]) => `${v}× ${k}`) };
}

async function settle(deadlineMs: number): Promise<void> {
  const until = performance.now() + deadlineMs;
  while (clients.some((c) => c.inFlight.size > 0) && performance.now() < until) await sleep(2);
}

serveCommands({
  connect: async (msg: IpcMessage) => {
    tag = String(msg.tag ?? 'c');
    const res = await connectMany(String(msg.url), Number(msg.count), { parallel: 64, ...(msg.topics ? { topics: msg.topics as string[] } : {}) });
    clients = res.sockets.map((ws, index) => {
      const c: Client = { ws, index, inFlight: new Map(), next: 0, whenIdle: undefined };
      ws.on('message', (data) => onFrame(c, data));
      return c;
    });
    return { type: 'connected', connected: clients.length, failed: res.failed, errors: res.errors, ms: res.ms };
  },
  /** Each of the first `concurrency` clients sends its next request as soon as the last one is answered. */
  closed: async (msg: IpcMessage) => {
    reset();
    const method = String(msg.method);
    const users = clients.slice(0, Number(msg.concurrency ?? clients.length));
    const deadline = performance.now() + Number(msg.durationMs);
    const started = performance.now();
    await Promise.all(users.map(async (c) => {
      while (performance.now() < deadline) {
        const idle = new Promise<void>((resolve) => { c.whenIdle = resolve; });
        send(c, method);
        await Promise.race([idle, sleep(10_000)]);
        c.whenIdle = undefined;
      }
    }));
    return result(started);
  },
  /** Open loop: `rate` requests per second spread round-robin over the clients, whatever the answers do. */
  paced: async (msg: IpcMessage) => {
    reset();
    const method = String(msg.method);
    const rate = Number(msg.rate);
    const count = Math.round((rate * Number(msg.durationMs)) / 1000);
    const started = performance.now();
    for (let i = 0; i < count; i++) {
      const wait = started + (i * 1000) / rate - performance.now();
      if (wait > 0.5) await sleep(wait);
      send(clients[i % clients.length] as Client, method);
    }
    await settle(10_000);
    return result(started);
  },
  /** Connections held, doing nothing (footprint). */
  count: () => ({ type: 'count', open: clients.filter((c) => c.ws.readyState === c.ws.OPEN).length }),
}, () => terminateAll(clients.map((c) => c.ws)));

