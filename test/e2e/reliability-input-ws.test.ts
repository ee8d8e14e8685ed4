// Reliability suite, WebSocket surface: hostile frames and params for every method on a real gateway process.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { startGateway, type RunningGateway } from '../helpers/cli.js';
import { httpBytes, rawHttp, secretsIn, WsProbe, type WsFrame } from '../helpers/probe.js';
import { brokenJsonText, checkProperty, deepJson, hostileJson, hostileString, invalidUtf8 } from '../helpers/hostile-arbs.js';
import { isErrorCode } from '../../src/errors.js';
import { wsMethods } from '../../src/gateway/ws/methods.js';
import type { GatewayApi } from '../../src/gateway/api.js';

const TOKEN = 'ws-fuzz-token-0123456789abcdef';
const MAX_FRAME = 262_144;
const METHODS = [...wsMethods({} as GatewayApi).keys()];
/** Error codes a method may answer with for bad input; `internal` (an unhandled path) is never one of them. */
const INPUT_ERRORS = new Set(['bad_frame', 'bad_params', 'unknown_method', 'not_found', 'payload_too_large', 'busy']);

/** Plausible params per method with hostile values spliced in, plus anything at all. */
const params = fc.oneof(
  hostileJson,
  fc.record({ text: fc.oneof(hostileString, hostileJson) }, { requiredKeys: [] }),
  fc.record({ session: fc.oneof(hostileString, hostileJson), text: hostileString }, { requiredKeys: ['text'] }),
  fc.record({ session: hostileString, limit: fc.oneof(fc.integer(), fc.double(), hostileString) }, { requiredKeys: [] }),
  fc.record({ topics: fc.oneof(fc.array(fc.oneof(hostileString, fc.constantFrom('messages', 'status', 'session:x', 'telegram'))), hostileJson) }),
  fc.record({ channel: fc.oneof(fc.constantFrom('telegram', 'discord', 'ws'), hostileString), to: hostileString, text: hostileString }, { requiredKeys: [] }),
  fc.constant({ __proto__: { polluted: 1 } }), fc.constant(JSON.parse('{"__proto__":{"polluted":1},"text":"x"}') as unknown),
);

type Frame = { kind: 'envelope'; id: string; body: string } | { kind: 'junk'; body: string | Buffer; binary: boolean; utf8: boolean };

let seq = 0;
const frame: fc.Arbitrary<Frame> = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(fc.oneof(fc.constantFrom(...METHODS), hostileString), params, fc.option(hostileString, { nil: undefined })).map(([method, p, idTail]): Frame => {
    const id = `f${++seq}${idTail ?? ''}`.slice(0, 128);
    return { kind: 'envelope', id, body: JSON.stringify({ type: 'req', id, method, params: p }) };
  }) },
  { weight: 2, arbitrary: fc.oneof(brokenJsonText, hostileJson.map((v) => JSON.stringify(v) ?? 'null'), fc.constantFrom(deepJson(50_000, 'array'), deepJson(20_000, 'object')))
    .chain((body) => fc.boolean().map((binary): Frame => ({ kind: 'junk', body, binary, utf8: true }))) },
  { weight: 1, arbitrary: invalidUtf8.chain((body) => fc.boolean().map((binary): Frame => ({ kind: 'junk', body, binary, utf8: binary }))) },
  { weight: 1, arbitrary: fc.tuple(hostileString, hostileJson).map(([id, p]): Frame => ({ kind: 'junk', body: JSON.stringify({ type: 'req', id: id.length > 128 ? id : 42, method: 'ping', params: p }), binary: false, utf8: true })) },
);

function checkResponse(f: WsFrame | undefined, where: string): string {
  assert.ok(f, `${where}: no response`);
  assert.equal(f.type, 'res', where);
  if (f.ok === true) return 'ok';
  const code = f.error?.code;
  assert.ok(isErrorCode(code) && INPUT_ERRORS.has(code), `${where}: error ${String(code)}: ${String(f.error?.message)}`);
  assert.equal(typeof f.error?.message, 'string');
  return code;
}

describe('reliability: WebSocket frames and methods', () => {
  let gw: RunningGateway;
  let ws: WsProbe | undefined;
  const codes = new Map<string, number>();
  let tried = 0;
  let reconnects = 0;
  const seen = (code: string): void => { codes.set(code, (codes.get(code) ?? 0) + 1); };

  before(async () => {
    gw = await startGateway({ configToml: `[server]\nauth_token = "${TOKEN}"\nrate_limit_per_minute = 0\nmax_payload_bytes = ${MAX_FRAME}\n` });
  });
  after(async () => {
    ws?.close();
    await gw?.kill();
  });

  /** The fuzzing connection, reopened (and authenticated with the header) when the gateway closed it. */
  const conn = async (): Promise<WsProbe> => {
    if (ws?.open) return ws;
    if (ws) reconnects++;
    ws = await WsProbe.open(gw.url, { headerToken: TOKEN });
    return ws;
  };

  test(`hostile frames to ${METHODS.length} methods: an error code for bad input, the connection kept, never a crash`, async () => {
    await checkProperty(fc.asyncProperty(frame, async (fr) => {
      tried++;
      const probe = await conn();
      const from = probe.frames.length;
      const size = typeof fr.body === 'string' ? Buffer.byteLength(fr.body) : fr.body.length;
      if (fr.kind === 'envelope') {
        probe.send(fr.body);
        const res = await probe.waitFor((f) => f.type === 'res' && f.id === fr.id, 20_000, from);
        if (size > MAX_FRAME) return seen(`closed ${await probe.closed()}`);
        seen(checkResponse(res, `${fr.body.slice(0, 120)}`));
        return;
      }
      probe.send(fr.body, fr.binary);
      // A ping after the junk: its answer proves the connection survived and orders the junk's own answer before it.
      const barrier = await probe.request('ping', undefined, 20_000).catch(() => undefined);
      if (!probe.open || barrier === undefined) {
        const code = await probe.closed();
        assert.ok(size > MAX_FRAME || !fr.utf8, `closed (${code}) after a ${size}-byte frame: ${String(fr.body).slice(0, 120)}`);
        return seen(`closed ${code}`);
      }
      const answers = probe.frames.slice(from).filter((f) => f.type === 'res' && f.id !== barrier.id);
      if (!fr.utf8) return seen('dropped (invalid UTF-8)');
      assert.equal(answers.length, 1, `${answers.length} answers to ${String(fr.body).slice(0, 120)}`);
      seen(checkResponse(answers[0], String(fr.body).slice(0, 120)));
    }), { numRuns: 300 });
  });

  test('connect with hostile params from another address: refused and closed, then the address is locked out', async () => {
    let refused = 0;
    let lockedOut = 0;
    await checkProperty(fc.asyncProperty(fc.oneof(
      { weight: 3, arbitrary: fc.record({ token: hostileString }) }, { weight: 1, arbitrary: fc.record({ token: hostileJson }) }, { weight: 1, arbitrary: hostileJson },
    ), async (p) => {
      tried++;
      let probe: WsProbe;
      try {
        probe = await WsProbe.open(gw.url, { localAddress: '127.0.0.2' });
      } catch (err) {
        assert.match((err as Error).message, /HTTP 429/);
        lockedOut++;
        return;
      }
      try {
        const res = await probe.request('connect', p);
        if (res?.ok === true) assert.fail(`connect accepted without the token: ${JSON.stringify(p).slice(0, 200)}`);
        assert.ok(res === undefined || res.error?.code === 'unauthorized' || res.error?.code === 'bad_params', JSON.stringify(res));
        refused++;
      } finally {
        probe.close();
      }
    }), { numRuns: 30 });
    assert.ok(lockedOut > 0, `no lockout after ${refused} refused connects`);
    codes.set('connect refused', refused);
    codes.set('connect locked out (429)', lockedOut);
  });

  test('oversized frames: closed with 1009 (or dropped by uWS past its margin), the gateway unharmed', async () => {
    for (const size of [MAX_FRAME + 1, MAX_FRAME + 100_000]) {
      tried++;
      const probe = await WsProbe.open(gw.url, { headerToken: TOKEN });
      probe.send(JSON.stringify({ type: 'req', id: 'big', method: 'chat', params: { text: 'a'.repeat(size) } }));
      const code = await probe.closed();
      assert.ok(code === 1009 || code === 1006, `closed with ${code}`);
      seen(`oversized closed ${code}`);
    }
  });

  test('afterwards: the process is up, a new client is served, nothing secret in the log', async (t) => {
    assert.equal(gw.proc.exitCode, null, gw.lines().slice(-20).join('\n'));
    const fresh = await WsProbe.open(gw.url, { headerToken: TOKEN });
    try {
      const res = await fresh.request('chat', { text: 'still there?' });
      assert.equal(res?.ok, true, JSON.stringify(res));
    } finally {
      fresh.close();
    }
    assert.equal((await rawHttp(gw.port, httpBytes('GET', '/health', {})))?.status, 200);
    assert.deepEqual(secretsIn(gw.lines().join('\n'), [TOKEN]), []);
    t.diagnostic(`WS frames tried: ${tried} (reconnects ${reconnects}); outcomes: ${[...codes].map(([c, n]) => `${c}=${n}`).join(' ')}`);
  });
});
