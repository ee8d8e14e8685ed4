// EventHub over a real uWS app and real `ws` clients: per-topic seq, and the sweep that closes a non-reader with 1013.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadUws, type TemplatedApp, type us_listen_socket } from '../../src/gateway/uws.js';
import { EventHub } from '../../src/gateway/ws/hub.js';
import type { ConnectionData } from '../../src/gateway/ws/connection.js';
import { TestWsClient, closedWithin } from '../helpers/ws-client.js';

const MAX_BUFFER = 16_384;

let app: TemplatedApp;
let listen: us_listen_socket;
let hub: EventHub;
let url: string;

before(async () => {
  const { uws } = loadUws();
  app = uws.App();
  hub = new EventHub(app, MAX_BUFFER);
  let nextId = 0;
  app.ws<ConnectionData>('/ws', {
    maxBackpressure: 0,
    upgrade: (res, req, context) => {
      const data: ConnectionData = { id: ++nextId, remote: '', authed: true, authTimer: undefined, directSeq: 0, closed: false, hub };
      res.upgrade(data, req.getHeader('sec-websocket-key'), req.getHeader('sec-websocket-protocol'), req.getHeader('sec-websocket-extensions'), context);
    },
    open: (ws) => hub.add(ws),
    // The test clients send a topic name to subscribe.
    message: (ws, msg) => { ws.subscribe(Buffer.from(msg).toString()); ws.send('"subscribed"'); },
    close: (ws) => { ws.getUserData().closed = true; hub.remove(ws); },
  });
  await new Promise<void>((resolve, reject) => app.listen('127.0.0.1', 0, (socket) => {
    if (!socket) return reject(new Error('listen failed'));
    listen = socket;
    url = `http://127.0.0.1:${uws.us_socket_local_port(socket)}`;
    resolve();
  }));
});

after(() => {
  hub.close();
  loadUws().uws.us_listen_socket_close(listen);
  app.close();
});

async function subscribed(topic: string): Promise<TestWsClient> {
  const c = await TestWsClient.connect(url);
  const ack = c.waitFor(() => true);
  c.sendRaw(topic);
  await ack;
  c.frames.length = 0;
  return c;
}

test('events name their topic and count seq per topic', async () => {
  const c = await subscribed('session:a');
  const got = c.collect((f) => f.type === 'event', 3);
  hub.delta('a', 'x', false);
  hub.delta('a', 'y', true);
  hub.state('actor.state', { actor: 'store' });
  hub.delta('a', 'z', false);
  const events = await got;
  assert.deepEqual(events.map((e) => [e.event, e.topic, e.seq, e.data]), [
    ['chat.delta', 'session:a', 1, { session: 'a', text: 'x' }],
    ['chat.delta', 'session:a', 2, { session: 'a', text: 'y', reset: true }],
    ['chat.delta', 'session:a', 3, { session: 'a', text: 'z' }],
  ]);
  await c.close();
});

test('a subscriber that stops reading is closed 1013 by the sweep after a publish; a reader gets everything', async () => {
  const slow = await subscribed('session:big');
  const reader = await subscribed('session:big');
  slow.ws.pause();
  const piece = 'p'.repeat(100_000);
  const count = 80; // 8 MB: past what the loopback socket buffers for a non-reader
  // One at a time, so the reader (in this same process) keeps its buffer empty while the other's grows.
  for (let i = 0; i < count; i++) {
    const got = reader.waitFor((f) => f.event === 'chat.delta');
    hub.delta('big', piece, false);
    assert.equal((await got).seq, i + 1);
  }
  const deadline = Date.now() + 5000;
  while (hub.slowClosed === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.equal(hub.slowClosed, 1);
  slow.ws.resume();
  const closed = await closedWithin(slow, 10_000);
  assert.equal(closed.code, 1013);
  assert.match(closed.reason, /ws_max_buffer_bytes/);
  assert.equal(hub.connections, 1);
  await reader.close();
});
