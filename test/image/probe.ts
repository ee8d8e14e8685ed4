// A client next to the rehearsed container (run inside its network namespace): checks /health, /ready and a /ws chat.
//
// Run as `node probe.js --probe`. Input by env, so the token is never on a command line: PROBE_PORT, PROBE_TOKEN, PROBE_VERSION.
// Prints one JSON line per check ({ name, ok, detail }) and exits 1 when any check failed.
import WebSocket from 'ws';
import type { Check } from './image-contents.js';
import { waitFor } from './proc.js';

const port = Number(process.env.PROBE_PORT);
const token = process.env.PROBE_TOKEN ?? '';
const base = `http://127.0.0.1:${port}`;

async function get(path: string, auth: boolean): Promise<{ status: number; body: string }> {
  const res = await fetch(`${base}${path}`, {
    headers: auth ? { authorization: `Bearer ${token}` } : {},
    signal: AbortSignal.timeout(3000),
  });
  return { status: res.status, body: await res.text() };
}

async function checkHealth(): Promise<Check> {
  const res = await waitFor('GET /health to answer', 20_000, () => get('/health', false).catch(() => undefined), 200);
  const body: unknown = JSON.parse(res.body);
  const ok = res.status === 200 && typeof body === 'object' && body !== null &&
    (body as Record<string, unknown>).status === 'ok' &&
    (body as Record<string, unknown>).version === process.env.PROBE_VERSION;
  return { name: 'GET /health without a token: 200 {status:"ok", version}', ok, detail: `${res.status} ${res.body}` };
}

async function checkReady(): Promise<Check> {
  let last = { status: 0, body: '' };
  try {
    await waitFor('GET /ready to be 200', 20_000, async () => {
      last = await get('/ready', true);
      return last.status === 200 ? last : undefined;
    }, 200);
  } catch {
    // reported below with the last answer
  }
  return { name: 'GET /ready with the token: 200', ok: last.status === 200, detail: `${last.status} ${last.body}` };
}

async function checkReadyNeedsToken(): Promise<Check> {
  const res = await get('/ready', false);
  return { name: 'GET /ready without the token: 401', ok: res.status === 401, detail: String(res.status) };
}

/** A wrong bearer token is refused at the upgrade (no token at all may still `connect` with one). */
function checkWsWrongToken(): Promise<Check> {
  const name = 'WebSocket /ws with a wrong bearer token: upgrade refused with 401';
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, { headers: { authorization: 'Bearer not-the-token' } });
    const timer = setTimeout(() => { ws.terminate(); resolve({ name, ok: false, detail: 'no answer in 5 s' }); }, 5000);
    ws.on('unexpected-response', (_req, res) => {
      clearTimeout(timer);
      ws.terminate();
      resolve({ name, ok: res.statusCode === 401, detail: `HTTP ${res.statusCode}` });
    });
    ws.on('open', () => { clearTimeout(timer); ws.close(); resolve({ name, ok: false, detail: 'upgrade accepted' }); });
    ws.on('error', () => undefined);
  });
}

/** Without any token the socket opens, but nothing but `connect` is served. */
function checkWsNoToken(): Promise<Check> {
  const name = 'WebSocket /ws without a token: chat is answered "unauthorized"';
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);
    const finish = (ok: boolean, detail: string) => { clearTimeout(timer); ws.terminate(); resolve({ name, ok, detail }); };
    const timer = setTimeout(() => finish(false, 'no answer in 5 s'), 5000);
    ws.on('open', () => ws.send(JSON.stringify({ type: 'req', id: 'n1', method: 'chat', params: { text: 'hello' } })));
    ws.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as Record<string, unknown>;
      if (frame.type !== 'res' || frame.id !== 'n1') return;
      const code = (frame.error as Record<string, unknown> | undefined)?.code;
      finish(frame.ok === false && code === 'unauthorized', data.toString().slice(0, 300));
    });
    ws.on('unexpected-response', (_req, res) => finish(false, `HTTP ${res.statusCode}`));
    ws.on('error', (error) => finish(false, error.message));
  });
}

function checkChat(): Promise<Check> {
  const name = 'WebSocket /ws chat with the echo agent: chat.delta events, then ok with the text';
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, { headers: { authorization: `Bearer ${token}` } });
    const frames: string[] = [];
    let deltas = 0;
    const finish = (ok: boolean, detail: string) => {
      clearTimeout(timer);
      ws.close();
      resolve({ name, ok, detail });
    };
    const timer = setTimeout(() => finish(false, `no response in 15 s; frames: ${frames.join(' ')}`), 15_000);
    ws.on('open', () => ws.send(JSON.stringify({ type: 'req', id: '1', method: 'chat', params: { text: 'hello' } })));
    ws.on('message', (data) => {
      const text = data.toString();
      frames.push(text.slice(0, 300));
      const frame: unknown = JSON.parse(text);
      if (typeof frame !== 'object' || frame === null) return;
      const f = frame as Record<string, unknown>;
      if (f.type === 'event' && f.event === 'chat.delta') deltas += 1;
      if (f.type === 'res' && f.id === '1') {
        const result = f.result as Record<string, unknown> | undefined;
        const ok = f.ok === true && deltas > 0 && typeof result?.text === 'string' && result.text.includes('hello');
        finish(ok, `${deltas} chat.delta event(s); response ${text.slice(0, 300)}`);
      }
    });
    ws.on('error', (error) => finish(false, error.message));
  });
}

async function main(): Promise<number> {
  const checks: Check[] = [];
  // The wrong-token check goes last: failed attempts count towards the gateway's auth lockout.
  for (const check of [checkHealth, checkReady, checkReadyNeedsToken, checkWsNoToken, checkChat, checkWsWrongToken]) {
    try {
      checks.push(await check());
    } catch (error) {
      checks.push({ name: check.name, ok: false, detail: error instanceof Error ? error.message : String(error) });
    }
  }
  for (const check of checks) console.log(JSON.stringify(check));
  return checks.every((c) => c.ok) ? 0 : 1;
}

// Only with --probe: `node --test dist/test/` would otherwise run this file as a test.
if (process.argv.includes('--probe')) process.exitCode = await main();
