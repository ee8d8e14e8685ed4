// The /ws protocol against a real `clanker serve`: every method, every error code, auth, seq ordering, topic filtering.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startGateway, type RunningGateway } from '../helpers/cli.js';
import { TestWsClient, closedWithin, type Frame } from '../helpers/ws-client.js';
import { VERSION } from '../../src/version.js';

const TOKEN = 'ws-test-token-9f2c';
const MAX_PAYLOAD = 65_536;
const AUTH_TIMEOUT_MS = 400;

const CONFIG = `
[server]
auth_token = "${TOKEN}"
ws_auth_timeout_ms = ${AUTH_TIMEOUT_MS}
max_payload_bytes = ${MAX_PAYLOAD}
rate_limit_per_minute = 0
`;

function assertError(res: Frame, code: string, messagePattern?: RegExp): void {
  assert.equal(res.type, 'res');
  assert.equal(res.ok, false, `expected ${code}, got ${JSON.stringify(res)}`);
  assert.equal(res.error?.code, code);
  assert.equal(typeof res.error?.message, 'string');
  if (messagePattern) assert.match(res.error?.message ?? '', messagePattern);
}

describe('WebSocket protocol', () => {
  let gw: RunningGateway;
  const open: TestWsClient[] = [];
  /** A client authenticated by its upgrade header, or (`anonymous`) one that has to send connect. */
  const client = async (anonymous = false): Promise<TestWsClient> => {
    const c = await TestWsClient.connect(gw.url, anonymous ? {} : { token: TOKEN });
    open.push(c);
    return c;
  };

  before(async () => { gw = await startGateway({ configToml: CONFIG }); });
  after(async () => {
    await Promise.all(open.map((c) => c.close()));
    await gw?.stop();
  });

  describe('auth', () => {
    test('a bearer header on the upgrade authenticates at once; connect still answers the version', async () => {
      const c = await client();
      const pong = await c.call('ping') as { pong: number };
      assert.equal(typeof pong.pong, 'number');
      assert.deepEqual(await c.call('connect'), { version: VERSION });
      assert.deepEqual(await c.call('connect', { token: TOKEN }), { version: VERSION });
    });

    test('without a header: unauthorized until connect, which answers {version}', async () => {
      const c = await client(true);
      assertError(await c.request('ping'), 'unauthorized', /connect/);
      assertError(await c.request('sessions.list'), 'unauthorized');
      assert.deepEqual(await c.call('connect', { token: TOKEN }), { version: VERSION });
      assert.ok(await c.call('ping'));
    });

    test('connect with a wrong token answers unauthorized, then closes 4401', async () => {
      const c = await client(true);
      const res = await c.request('connect', { token: 'wrong' });
      assertError(res, 'unauthorized');
      const closed = await closedWithin(c);
      assert.equal(closed.code, 4401);
    });

    test('connect with bad params is bad_params naming the field, and the socket stays open', async () => {
      const c = await client(true);
      assertError(await c.request('connect', { token: 42 }), 'bad_params', /^token: /);
      assertError(await c.request('connect', { tok: TOKEN }), 'bad_params', /^tok: unknown field/);
      assert.deepEqual(await c.call('connect', { token: TOKEN }), { version: VERSION });
    });

    test('no connect within server.ws_auth_timeout_ms closes 4401', async () => {
      const c = await client(true);
      const t0 = Date.now();
      const closed = await closedWithin(c, AUTH_TIMEOUT_MS + 3000);
      assert.equal(closed.code, 4401);
      assert.match(closed.reason, /connect/);
      assert.ok(Date.now() - t0 >= AUTH_TIMEOUT_MS - 50);
    });

    test('a wrong bearer header refuses the upgrade with 401 JSON', async () => {
      const res = await TestWsClient.refusedUpgrade(gw.url, 'wrong');
      assert.equal(res.status, 401);
      assert.equal((res.body as { error: { code: string } }).error.code, 'unauthorized');
    });
  });

  describe('bad frames keep the socket open', () => {
    test('invalid JSON → bad_frame with id null', async () => {
      const c = await client();
      const res = c.waitFor((f) => f.type === 'res');
      c.sendRaw('{"type":"req",');
      const frame = await res;
      assert.equal(frame.id, null);
      assertError(frame, 'bad_frame', /not valid JSON/);
      assert.ok(await c.call('ping'));
    });

    test('JSON that is not a request frame → bad_frame naming the field, with the id when it has one', async () => {
      const c = await client();
      for (const [raw, id, pattern] of [
        ['[1,2]', null, /JSON object/],
        ['{"type":"req","id":"a1"}', 'a1', /method/],
        ['{"type":"request","id":"a2","method":"ping"}', 'a2', /type/],
        ['{"type":"req","id":7,"method":"ping"}', null, /id/],
      ] as const) {
        const res = c.waitFor((f) => f.type === 'res');
        c.sendRaw(raw);
        const frame = await res;
        assert.equal(frame.id, id, raw);
        assertError(frame, 'bad_frame', pattern);
      }
      assert.ok(await c.call('ping'));
    });

    test('unknown method → unknown_method naming it', async () => {
      const c = await client();
      assertError(await c.request('sessions.delete'), 'unknown_method', /"sessions\.delete".*expected one of/);
    });

    test('wrong params → bad_params naming the field', async () => {
      const c = await client();
      const cases: Array<[string, unknown, RegExp]> = [
        ['chat', {}, /^text: required/],
        ['chat', { text: 5 }, /^text: /],
        ['chat', { text: 'hi', session: 'bad id!' }, /^session: /],
        ['chat', { text: 'hi', extra: true }, /^extra: unknown field/],
        ['subscribe', { topics: ['nope'] }, /^topics\.0: /],
        ['subscribe', { topics: [] }, /^topics: /],
        ['unsubscribe', {}, /^topics: required/],
        ['send', { channel: 'slack', to: '1', text: 'x' }, /^channel: expected one of telegram, discord/],
        ['sessions.history', { session: 'ws:x', limit: 0 }, /^limit: /],
        ['sessions.reset', {}, /^session: required/],
        ['ping', { x: 1 }, /^x: unknown field/],
        ['status', 'nope', /^\(params\): /],
      ];
      for (const [method, params, pattern] of cases) assertError(await c.request(method, params), 'bad_params', pattern);
      assert.ok(await c.call('ping'));
    });

    test(`a frame over server.max_payload_bytes closes 1009`, async () => {
      const c = await client();
      c.sendRaw(JSON.stringify({ type: 'req', id: 'big', method: 'chat', params: { text: 'x'.repeat(MAX_PAYLOAD + 10) } }));
      const closed = await closedWithin(c);
      assert.equal(closed.code, 1009);
      assert.match(closed.reason, /max_payload_bytes/);
    });
  });

  describe('methods', () => {
    test('ping, status', async () => {
      const c = await client();
      const status = await c.call('status') as { version: string; connections: number; agent: { provider: string } };
      assert.equal(status.version, VERSION);
      assert.equal(status.agent.provider, 'echo');
      assert.ok(status.connections >= 1);
    });

    test('chat: chat.delta events for this connection (topic null, seq 1,2,..) then the response', async () => {
      const c = await client();
      const text = 'one two three four five six seven eight';
      const res = await c.request('chat', { text });
      assert.equal(res.ok, true);
      const result = res.result as { session: string; text: string; usage: { input: number; output: number } };
      assert.match(result.session, /^ws:/);
      assert.equal(result.text, text);
      assert.ok(result.usage.output > 0);
      const deltas = c.events('chat.delta');
      assert.ok(deltas.length >= 2, 'the echo agent streams in pieces');
      const responseIndex = c.frames.indexOf(res);
      for (const d of deltas) {
        assert.ok(c.frames.indexOf(d) < responseIndex, 'every delta arrives before the response');
        assert.equal(d.topic, null);
        assert.equal((d.data as { session: string }).session, result.session);
      }
      assert.deepEqual(deltas.map((d) => d.seq), deltas.map((_, i) => i + 1));
      assert.equal(deltas.map((d) => (d.data as { text: string }).text).join(''), text);
    });

    test('200 chats in a row: each one\'s deltas, all of them, arrive before its response', async () => {
      // The answer is relayed after the deltas of its call on every hop (actor port, router, hub): it must not overtake them.
      const c = await client();
      for (let i = 0; i < 200; i++) {
        const text = `question ${i} with a few words`;
        const before = c.frames.length;
        const res = await c.request('chat', { session: `ws:drain-${i % 4}`, text });
        assert.equal(res.ok, true);
        const got = c.frames.slice(before, c.frames.indexOf(res)).filter((f) => f.event === 'chat.delta');
        assert.equal(got.map((d) => (d.data as { text: string }).text).join(''), text, `chat ${i}`);
      }
    });

    test('chat in a named session; sessions.list, sessions.history, sessions.reset', async () => {
      const c = await client();
      const session = `ws:methods-${Date.now()}`;
      await c.call('chat', { session, text: 'first' });
      await c.call('chat', { session, text: 'second' });
      const list = await c.call('sessions.list') as { sessions: Array<{ id: string; turns: number; channel: string }> };
      const row = list.sessions.find((s) => s.id === session);
      assert.equal(row?.turns, 4);
      assert.equal(row?.channel, 'ws');
      const history = await c.call('sessions.history', { session, limit: 3 }) as { session: string; messages: Array<{ role: string; text: string; seq: number }> };
      assert.equal(history.session, session);
      assert.deepEqual(history.messages.map((m) => [m.role, m.text]), [['assistant', 'first'], ['user', 'second'], ['assistant', 'second']]);
      assert.deepEqual(await c.call('sessions.reset', { session }), { session, reset: true });
      const after = await c.call('sessions.history', { session }) as { messages: unknown[] };
      assert.equal(after.messages.length, 0);
    });

    test('sessions.history and sessions.reset of an unknown session → not_found', async () => {
      const c = await client();
      assertError(await c.request('sessions.history', { session: 'ws:never-was' }), 'not_found', /ws:never-was/);
      assertError(await c.request('sessions.reset', { session: 'ws:never-was' }), 'not_found');
    });

    test('send to a channel that is not enabled → bad_params naming the channel', async () => {
      const c = await client();
      assertError(await c.request('send', { channel: 'telegram', to: '123', text: 'hi' }), 'bad_params', /^channel: telegram is not enabled/);
    });

    test('subscribe and unsubscribe answer the topics now subscribed', async () => {
      const c = await client();
      const sub = await c.call('subscribe', { topics: ['messages', 'status', 'session:ws:abc', 'telegram', 'discord'] }) as { topics: string[] };
      assert.deepEqual([...sub.topics].sort(), ['discord', 'messages', 'session:ws:abc', 'status', 'telegram']);
      const unsub = await c.call('unsubscribe', { topics: ['telegram', 'status'] }) as { topics: string[] };
      assert.deepEqual([...unsub.topics].sort(), ['discord', 'messages', 'session:ws:abc']);
    });
  });

  describe('events', () => {
    test('message events on `messages` carry the topic and a seq that increases by one', async () => {
      const watcher = await client();
      await watcher.call('subscribe', { topics: ['messages'] });
      const talker = await client();
      const session = `ws:seq-${Date.now()}`;
      const events = watcher.collect((f) => f.event === 'message', 6, 10_000);
      for (const text of ['a1', 'a2', 'a3']) await talker.call('chat', { session, text });
      const got = await events;
      for (const e of got) assert.equal(e.topic, 'messages');
      const seqs = got.map((e) => e.seq as number);
      for (let i = 1; i < seqs.length; i++) assert.equal(seqs[i], (seqs[i - 1] as number) + 1, `seqs ${seqs.join(',')}`);
      const data = got.map((e) => e.data as { direction: string; text: string; session: string; channel: string; id: string; ts: number; sender: { id: string } });
      assert.deepEqual(data.map((d) => `${d.direction}:${d.text}`), ['in:a1', 'out:a1', 'in:a2', 'out:a2', 'in:a3', 'out:a3']);
      for (const d of data) {
        assert.equal(d.session, session);
        assert.equal(d.channel, 'ws');
        assert.equal(typeof d.id, 'string');
        assert.equal(typeof d.ts, 'number');
      }
    });

    test('topic filtering: `telegram` gets no ws/http messages; `session:<id>` only its session', async () => {
      const tg = await client();
      await tg.call('subscribe', { topics: ['telegram'] });
      const mine = await client();
      const session = `ws:filter-${Date.now()}`;
      await mine.call('subscribe', { topics: [`session:${session}`] });
      const all = await client();
      await all.call('subscribe', { topics: ['messages'] });
      const talker = await client();

      const allGot = all.collect((f) => f.event === 'message', 4, 10_000);
      await talker.call('chat', { session: `ws:other-${Date.now()}`, text: 'not yours' });
      await talker.call('chat', { session, text: 'yours' });
      const res = await fetch(`${gw.url}/api/chat`, {
        method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ text: 'over http' }), signal: AbortSignal.timeout(10_000),
      });
      assert.equal(res.status, 200);
      const fromAll = await allGot;
      assert.ok(fromAll.length >= 4);
      // Round trip on each subscriber: anything published before it has arrived by then.
      await Promise.all([tg.call('ping'), mine.call('ping'), all.call('ping')]);

      assert.deepEqual(tg.events(), [], 'telegram subscriber got nothing');
      const mineEvents = mine.events();
      assert.ok(mineEvents.length > 0);
      for (const e of mineEvents) {
        assert.equal(e.topic, `session:${session}`);
        assert.equal((e.data as { session: string }).session, session);
      }
      assert.deepEqual(mine.events('message').map((e) => (e.data as { direction: string }).direction), ['in', 'out']);
      assert.equal(mine.events('chat.delta').map((e) => (e.data as { text: string }).text).join(''), 'yours');
      const channels = all.events('message').map((e) => (e.data as { channel: string }).channel);
      assert.deepEqual([...new Set(channels)].sort(), ['http', 'ws']);
    });

    test('overlapping topics deliver an event once per topic, each with its own seq', async () => {
      const c = await client();
      const session = `ws:overlap-${Date.now()}`;
      await c.call('subscribe', { topics: ['messages', `session:${session}`] });
      const talker = await client();
      await talker.call('chat', { session, text: 'twice' });
      await c.call('ping');
      const inbound = c.events('message').filter((e) => (e.data as { direction: string }).direction === 'in');
      assert.deepEqual(inbound.map((e) => e.topic).sort(), ['messages', `session:${session}`]);
      assert.equal((inbound[0]?.data as { id: string }).id, (inbound[1]?.data as { id: string }).id);
    });

    test('after unsubscribe no more events arrive on that topic', async () => {
      const c = await client();
      await c.call('subscribe', { topics: ['messages'] });
      await c.call('unsubscribe', { topics: ['messages'] });
      const talker = await client();
      await talker.call('chat', { text: 'quiet' });
      await c.call('ping');
      assert.deepEqual(c.events(), []);
    });
  });
});
