// Load process for ws-fanout: holds N subscribed WebSocket clients and measures delivery latency of probe events.
import type WebSocket from 'ws';
import { Histogram } from '../lib/stats.js';
import { readProbe, wallMs } from '../lib/clock.js';
import { serveCommands, tell, type IpcMessage } from '../lib/procs.js';
import { connectMany, terminateAll } from '../lib/ws-client.js';

let sockets: WebSocket[] = [];
let measuring = false;
let fromN = 0;
let eventsPerInjection = 2;
let hIn = new Histogram();
let hOut = new Histogram();
let frames = 0;
let firstAt = 0;
let lastAt = 0;
let done = 0;
let unexpectedCloses = 0;
/** Frames seen per injection number; an injection is done when every local client got all its events. */
let seen = new Map<number, number>();

function onFrame(data: WebSocket.RawData): void {
  if (!measuring) return;
  const now = wallMs();
  const text = (data as Buffer).toString('latin1');
  const probe = readProbe(text);
  if (!probe || probe.n < fromN) return;
  frames++;
  if (firstAt === 0) firstAt = now;
  lastAt = now;
  (text.includes('"direction":"out"') ? hOut : hIn).record(now - probe.t0);
  const count = (seen.get(probe.n) ?? 0) + 1;
  if (count >= sockets.length * eventsPerInjection) {
    seen.delete(probe.n);
    done++;
    tell({ type: 'progress', done });
  } else {
    seen.set(probe.n, count);
  }
}

serveCommands({
  connect: async (msg: IpcMessage) => {
    const res = await connectMany(String(msg.url), Number(msg.count), { topics: ['messages'], parallel: 64 });
    sockets = res.sockets;
    for (const ws of sockets) {
      ws.on('message', onFrame);
      ws.on('close', () => { unexpectedCloses++; });
    }
    return { type: 'connected', connected: sockets.length, failed: res.failed, errors: res.errors, ms: res.ms };
  },
  measure: (msg: IpcMessage) => {
    fromN = Number(msg.fromN);
    eventsPerInjection = Number(msg.eventsPerInjection);
    hIn = new Histogram();
    hOut = new Histogram();
    frames = 0;
    firstAt = 0;
    lastAt = 0;
    done = 0;
    seen = new Map();
    measuring = true;
    return { type: 'measuring' };
  },
  stop: () => {
    measuring = false;
    return { type: 'result', in: hIn.toJSON(), out: hOut.toJSON(), frames, firstAt, lastAt, done, incomplete: seen.size, unexpectedCloses, open: sockets.length };
  },
}, () => terminateAll(sockets));
