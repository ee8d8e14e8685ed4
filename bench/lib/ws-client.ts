// WebSocket client side of the gateway protocol for the load processes: connect many, request/response by id.
import WebSocket from 'ws';

export interface Connected { sockets: WebSocket[]; failed: number; errors: string[]; ms: number }

export function rawText(data: WebSocket.RawData): string {
  return Buffer.isBuffer(data) ? data.toString() : Array.isArray(data) ? Buffer.concat(data).toString() : Buffer.from(data).toString();
}

/** Opens one socket and, when `topics` is given, subscribes it; resolves once the server has answered. */
function openOne(url: string, topics: string[] | undefined, timeoutMs: number): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: timeoutMs });
    const timer = setTimeout(() => { ws.terminate(); reject(new Error('connect timed out')); }, timeoutMs);
    const fail = (err: Error): void => { clearTimeout(timer); ws.terminate(); reject(err); };
    ws.once('error', fail);
    ws.once('open', () => {
      if (!topics) {
        clearTimeout(timer);
        ws.off('error', fail);
        return resolve(ws);
      }
      ws.send(JSON.stringify({ type: 'req', id: 's', method: 'subscribe', params: { topics } }));
      ws.once('message', (data) => {
        clearTimeout(timer);
        ws.off('error', fail);
        const text = rawText(data);
        if (!text.includes('"ok":true')) return fail(new Error(`subscribe refused: ${text.slice(0, 200)}`));
        resolve(ws);
      });
    });
  });
}

/** Connects `count` clients, `parallel` handshakes at a time; failures are counted, not thrown. */
export async function connectMany(url: string, count: number, opts: { topics?: string[]; parallel?: number; timeoutMs?: number } = {}): Promise<Connected> {
  const started = performance.now();
  const sockets: WebSocket[] = [];
  const errors = new Map<string, number>();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      next++;
      try {
        sockets.push(await openOne(url, opts.topics, opts.timeoutMs ?? 15_000));
      } catch (err) {
        const msg = err instanceof Error ? err.message : String(err);
        errors.set(msg, (errors.get(msg) ?? 0) + 1);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(count, opts.parallel ?? 100) }, worker));
  const failed = count - sockets.length;
  return { sockets, failed, errors: [...errors].map(([m, n]) => `${n}× ${m}`), ms: performance.now() - started };
}

/** Closes every socket at once without waiting for close handshakes. */
export function terminateAll(sockets: WebSocket[]): void {
  for (const ws of sockets) ws.terminate();
  sockets.length = 0;
}
