// A small promise-based WebSocket client for tests of the gateway's /ws protocol (raw frames, requests, events, close codes).
import WebSocket from 'ws';

/** Any frame the gateway sends: a response (`res`) or an event. */
export interface Frame {
  type: 'res' | 'event';
  id?: string | null;
  ok?: boolean;
  result?: unknown;
  error?: { code: string; message: string };
  event?: string;
  topic?: string | null;
  seq?: number;
  data?: unknown;
}

export interface Closed { code: number; reason: string }

export interface ConnectOptions {
  /** Sent as `Authorization: Bearer <token>` on the upgrade request. */
  token?: string;
  timeoutMs?: number;
  /** Keep every frame in `frames` (default true); fan-out tests with many clients count with onFrame instead. */
  keep?: boolean;
}

const DEFAULT_WAIT_MS = 5000;

/** `http://host:port` → `ws://host:port/ws`. */
export function wsUrlOf(httpUrl: string): string {
  return `${httpUrl.replace(/^http/, 'ws')}/ws`;
}

export class TestWsClient {
  /** Every frame received, in order (unless `keep: false`). */
  readonly frames: Frame[] = [];
  /** Settles when the socket closes, with the close code and reason the client saw. */
  readonly closed: Promise<Closed>;
  private readonly watchers = new Set<(f: Frame) => void>();
  private nextId = 0;

  private constructor(readonly ws: WebSocket, keep: boolean) {
    this.closed = new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    ws.on('error', () => undefined); // a reset socket shows up as close 1006
    ws.on('message', (raw) => {
      const frame = JSON.parse(raw.toString()) as Frame;
      if (keep) this.frames.push(frame);
      for (const w of this.watchers) w(frame);
    });
  }

  /** Opens `/ws` on a gateway given its http URL; rejects if the upgrade is refused or times out. */
  static connect(httpUrl: string, opts: ConnectOptions = {}): Promise<TestWsClient> {
    const ws = new WebSocket(wsUrlOf(httpUrl), {
      headers: opts.token === undefined ? {} : { authorization: `Bearer ${opts.token}` },
      handshakeTimeout: opts.timeoutMs ?? DEFAULT_WAIT_MS,
    });
    const client = new TestWsClient(ws, opts.keep ?? true);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(client));
      ws.once('unexpected-response', (_req, res) => {
        reject(new Error(`upgrade refused with HTTP ${res.statusCode}`));
        ws.terminate();
      });
      ws.once('error', reject);
    });
  }

  /** Tries an upgrade that should be refused; resolves with the HTTP status and JSON body. */
  static async refusedUpgrade(httpUrl: string, token?: string): Promise<{ status: number; body: unknown }> {
    const ws = new WebSocket(wsUrlOf(httpUrl), { headers: token === undefined ? {} : { authorization: `Bearer ${token}` }, handshakeTimeout: DEFAULT_WAIT_MS });
    ws.on('error', () => undefined);
    return new Promise((resolve, reject) => {
      ws.once('open', () => { ws.terminate(); reject(new Error('upgrade was accepted')); });
      ws.once('unexpected-response', (_req, res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (d: string) => { text += d; });
        res.on('end', () => {
          ws.terminate();
          resolve({ status: res.statusCode ?? 0, body: text === '' ? undefined : JSON.parse(text) });
        });
      });
    });
  }

  /** Calls `fn` with every frame from now on; returns a function that stops it. */
  onFrame(fn: (f: Frame) => void): () => void {
    this.watchers.add(fn);
    return () => this.watchers.delete(fn);
  }

  /** Sends text (or bytes) exactly as given. */
  sendRaw(data: string | Buffer): void {
    this.ws.send(data);
  }

  /** Sends a request frame and resolves with its response frame, ok or not. */
  request(method: string, params?: unknown, timeoutMs = DEFAULT_WAIT_MS): Promise<Frame> {
    const id = `t${++this.nextId}`;
    const response = this.waitFor((f) => f.type === 'res' && f.id === id, timeoutMs, `response to ${method}`);
    this.sendRaw(JSON.stringify({ type: 'req', id, method, ...(params === undefined ? {} : { params }) }));
    return response;
  }

  /** The result of a request, or a thrown error naming the error code. */
  async call(method: string, params?: unknown, timeoutMs = DEFAULT_WAIT_MS): Promise<unknown> {
    const res = await this.request(method, params, timeoutMs);
    if (!res.ok) throw new Error(`${method} failed: ${res.error?.code}: ${res.error?.message}`);
    return res.result;
  }

  /** The next frame (from now on) that matches, or a rejection after `timeoutMs`. */
  waitFor(match: (f: Frame) => boolean, timeoutMs = DEFAULT_WAIT_MS, what = 'a matching frame'): Promise<Frame> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { stop(); reject(new Error(`no ${what} within ${timeoutMs} ms`)); }, timeoutMs);
      const stop = this.onFrame((f) => {
        if (!match(f)) return;
        clearTimeout(timer);
        stop();
        resolve(f);
      });
    });
  }

  /** Resolves once `count` frames matching have arrived since this call, with them. */
  collect(match: (f: Frame) => boolean, count: number, timeoutMs = DEFAULT_WAIT_MS): Promise<Frame[]> {
    const got: Frame[] = [];
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { stop(); reject(new Error(`got ${got.length} of ${count} frames within ${timeoutMs} ms`)); }, timeoutMs);
      const stop = this.onFrame((f) => {
        if (!match(f)) return;
        got.push(f);
        if (got.length < count) return;
        clearTimeout(timer);
        stop();
        resolve(got);
      });
    });
  }

  /** Events kept so far, optionally only those named `event`. */
  events(event?: string): Frame[] {
    return this.frames.filter((f) => f.type === 'event' && (event === undefined || f.event === event));
  }

  /** Closes normally and waits (bounded) for the close to complete. */
  async close(timeoutMs = 2000): Promise<Closed> {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close(1000);
    const timer = setTimeout(() => this.ws.terminate(), timeoutMs);
    try {
      return await this.closed;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Waits for a socket to close, or rejects after `timeoutMs`. */
export async function closedWithin(client: TestWsClient, timeoutMs = DEFAULT_WAIT_MS): Promise<Closed> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      client.closed,
      new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`socket still open after ${timeoutMs} ms`)), timeoutMs); }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
