// Fan-out: 1,000 WebSocket clients on `messages` each get every message event, while one client that stops
// reading is closed with 1013 and nobody else waits for it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startGateway, type RunningGateway } from '../helpers/cli.js';
import { call } from '../helpers/http.js';
import { parsePrometheus, sampleValue } from '../helpers/prometheus.js';
import { TestWsClient, closedWithin } from '../helpers/ws-client.js';

const CLIENTS = 1000;
const CHATS = 100; // each publishes an inbound and an outbound `message` event
const EVENTS = CHATS * 2;
const MAX_BUFFER = 16_384;
const BIG_TEXT = 'z'.repeat(99_000);
const BIG_TURNS = 25;

describe('fan-out to 1,000 clients with one slow consumer', () => {
  let gw: RunningGateway;
  const clients: TestWsClient[] = [];
  before(async () => { gw = await startGateway({ configToml: `[server]\nws_max_buffer_bytes = ${MAX_BUFFER}\nrate_limit_per_minute = 0\n` }); });
  after(async () => {
    for (let i = 0; i < clients.length; i += 200) await Promise.all(clients.slice(i, i + 200).map((c) => c.close(1000)));
    await gw?.stop();
  });

  test(`${CLIENTS} subscribers each receive all ${EVENTS} events in seq order; the non-reader is closed 1013`, { timeout: 60_000 }, async (t) => {
    // A session of ~5 MB history, made before anyone subscribes: the slow client asks for it to fill its
    // own send buffer past the ~4 MB the loopback socket absorbs, without flooding everyone else (every
    // `messages` event goes to all 1,000). The sweep after publishes is tested in test/unit/ws-hub.test.ts.
    for (let i = 0; i < BIG_TURNS; i++) {
      assert.equal((await call(`${gw.url}/api/chat`, 'POST', { body: { session: 'ws:big', text: BIG_TEXT } })).status, 200);
    }

    const slow = await TestWsClient.connect(gw.url);
    clients.push(slow);
    await slow.call('subscribe', { topics: ['messages'] });
    slow.ws.pause();

    const t0 = Date.now();
    const counts = new Array<number>(CLIENTS).fill(0);
    const lastSeq = new Array<number>(CLIENTS).fill(0);
    const gaps: string[] = [];
    const everyone: TestWsClient[] = [];
    for (let i = 0; i < CLIENTS; i += 100) {
      const batch = await Promise.all(Array.from({ length: Math.min(100, CLIENTS - i) }, () => TestWsClient.connect(gw.url, { keep: false })));
      everyone.push(...batch);
      clients.push(...batch);
    }
    await Promise.all(everyone.map(async (c, i) => {
      c.onFrame((f) => {
        if (f.event !== 'message' || f.topic !== 'messages') return;
        const seq = f.seq as number;
        if (counts[i] !== 0 && seq !== (lastSeq[i] as number) + 1) gaps.push(`client ${i}: seq ${lastSeq[i]} then ${seq}`);
        lastSeq[i] = seq;
        counts[i] = (counts[i] as number) + 1;
      });
      await c.call('subscribe', { topics: ['messages'] }, 15_000);
    }));
    t.diagnostic(`${CLIENTS} clients connected and subscribed in ${Date.now() - t0} ms`);

    // Pipelined while paused: the answers pile up in the gateway's buffer for this socket.
    for (let i = 0; i < 2; i++) slow.sendRaw(JSON.stringify({ type: 'req', id: `h${i}`, method: 'sessions.history', params: { session: 'ws:big', limit: 1000 } }));

    const t1 = Date.now();
    // Reads again as soon as the gateway gave up on it (the close frame waits behind the buffered data).
    const slowClosedMetric = async (): Promise<number> => {
      const metrics = await fetch(`${gw.url}/metrics`, { signal: AbortSignal.timeout(5000) });
      return sampleValue(parsePrometheus(await metrics.text()), 'clanker_ws_slow_consumers_closed');
    };
    const resumed = (async () => {
      const until = Date.now() + 20_000;
      while (await slowClosedMetric() < 1 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      slow.ws.resume();
    })();
    const publisher = await TestWsClient.connect(gw.url);
    clients.push(publisher);
    await Promise.all(Array.from({ length: 10 }, async (_, s) => {
      for (let i = 0; i < CHATS / 10; i++) await publisher.call('chat', { session: `ws:fanout-${s}`, text: `message ${s}.${i}` }, 15_000);
    }));
    const deadline = Date.now() + 20_000;
    while (counts.some((n) => n < EVENTS) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const behind = counts.filter((n) => n < EVENTS).length;
    t.diagnostic(`${CHATS} chats published and ${CLIENTS} × ${EVENTS} events received in ${Date.now() - t1} ms`);

    assert.equal(behind, 0, `${behind} clients got fewer than ${EVENTS} events (min ${Math.min(...counts)})`);
    assert.deepEqual(gaps, []);
    assert.equal(Math.max(...counts), EVENTS, 'nobody got an event twice');

    // The gateway closed the non-reader; once it reads again it sees its buffered frames, then the close frame.
    await resumed;
    assert.equal(await slowClosedMetric(), 1);
    const closed = await closedWithin(slow, 10_000);
    assert.equal(closed.code, 1013);
    assert.match(closed.reason, /slow consumer/);
  });
});
