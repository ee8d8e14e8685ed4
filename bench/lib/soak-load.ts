// The soak's steady mixed load on one gateway: paced WS and HTTP chat turns, reading subscribers, connect/disconnect churn.
import WebSocket from 'ws';

export interface LoadCounts {
  wsTurns: number;
  httpTurns: number;
  events: number;
  churned: number;
  errors: number;
  /** The first few error texts, for the report. */
  errorSamples: string[];
}

export interface LoadOptions {
  url: string;
  /** Chat turns per second over WS and HTTP together. */
  rate: number;
  subscribers: number;
  /** New short-lived WS connections per second. */
  churnPerSec: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const wsUrl = (url: string): string => `${url.replace(/^http/, 'ws')}/ws`;

/** Opens a WS and resolves once it is open (or rejects). */
function openWs(url: string): Promise<WebSocket> {
  const ws = new WebSocket(wsUrl(url));
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

/** One request/response over a WS, bounded in time. */
function request(ws: WebSocket, id: string, method: string, params: unknown, timeoutMs = 60_000): Promise<{ ok?: boolean; error?: { code?: string } }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { ws.off('message', onMessage); reject(new Error(`${method} timed out`)); }, timeoutMs);
    const onMessage = (raw: Buffer): void => {
      const f = JSON.parse(raw.toString()) as { type?: string; id?: string; ok?: boolean; error?: { code?: string } };
      if (f.type !== 'res' || f.id !== id) return;
      clearTimeout(timer);
      ws.off('message', onMessage);
      resolve(f);
    };
    ws.on('message', onMessage);
    ws.send(JSON.stringify({ type: 'req', id, method, params }));
  });
}

/** Starts the mixed load; it runs until `stop` is aborted. `counts` is updated live (the sampler reads it). */
export function startLoad(opts: LoadOptions, stop: AbortSignal): { counts: LoadCounts; done: Promise<void> } {
  const counts: LoadCounts = { wsTurns: 0, httpTurns: 0, events: 0, churned: 0, errors: 0, errorSamples: [] };
  const fail = (where: string, err: unknown): void => {
    counts.errors++;
    if (counts.errorSamples.length < 10) counts.errorSamples.push(`${where}: ${err instanceof Error ? err.message : String(err)}`);
  };
  const sockets = new Set<WebSocket>();
  const closeAll = (): void => { for (const ws of sockets) ws.terminate(); };
  stop.addEventListener('abort', closeAll, { once: true });

  // Chatters: a few loops per surface, each paced so together they make `rate` turns/s.
  const loops = 4;
  const intervalMs = (1000 * loops * 2) / Math.max(0.1, opts.rate);
  let n = 0;
  const paced = async (turn: () => Promise<void>): Promise<void> => {
    while (!stop.aborted) {
      const t0 = Date.now();
      await turn();
      await sleep(Math.max(0, intervalMs - (Date.now() - t0)));
    }
  };
  const wsChatter = async (k: number): Promise<void> => {
    let ws: WebSocket | undefined;
    await paced(async () => {
      try {
        if (!ws || ws.readyState !== WebSocket.OPEN) {
          ws = await openWs(opts.url);
          sockets.add(ws);
        }
        const res = await request(ws, `c${++n}`, 'chat', { session: `ws:soak-${k}`, text: `soak turn ${n} ${'x'.repeat(n % 200)}` });
        if (res.ok === true) counts.wsTurns++;
        else fail('ws chat', res.error?.code);
      } catch (err) {
        if (!stop.aborted) fail('ws chat', err);
      }
    });
  };
  const httpChatter = async (k: number): Promise<void> => {
    await paced(async () => {
      try {
        const res = await fetch(`${opts.url}/api/chat`, { method: 'POST', body: JSON.stringify({ session: `http:soak-${k}`, text: `soak http ${++n}` }), signal: AbortSignal.timeout(60_000) });
        await res.text();
        if (res.status === 200) counts.httpTurns++;
        else fail('http chat', `HTTP ${res.status}`);
      } catch (err) {
        if (!stop.aborted) fail('http chat', err);
      }
    });
  };
  const subscriber = async (): Promise<void> => {
    try {
      const ws = await openWs(opts.url);
      sockets.add(ws);
      ws.on('message', () => { counts.events++; });
      await request(ws, 's', 'subscribe', { topics: ['messages'] });
      await new Promise((r) => ws.once('close', r));
      if (!stop.aborted) fail('subscriber', 'closed by the gateway');
    } catch (err) {
      if (!stop.aborted) fail('subscriber', err);
    }
  };
  const churn = async (): Promise<void> => {
    while (!stop.aborted) {
      await sleep(1000 / Math.max(0.1, opts.churnPerSec));
      openWs(opts.url).then(async (ws) => {
        sockets.add(ws);
        await request(ws, 'p', 'status', {}, 10_000);
        await sleep(Math.random() * 2000);
        ws.close();
        sockets.delete(ws);
        counts.churned++;
      }).catch((err: unknown) => { if (!stop.aborted) fail('churn', err); });
    }
  };

  const done = Promise.all([
    ...Array.from({ length: loops }, (_, k) => wsChatter(k)),
    ...Array.from({ length: loops }, (_, k) => httpChatter(k)),
    ...Array.from({ length: opts.subscribers }, () => subscriber()),
    churn(),
  ]).then(closeAll);
  return { counts, done };
}
