// Hostile-client tools for the reliability suite: raw HTTP over TCP, a bare WebSocket prober, secret scans, tallies.
import { connect, type Socket } from 'node:net';
import WebSocket from 'ws';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const DEFAULT_TIMEOUT_MS = 15_000;

/** Resolves with `p`, or rejects naming `what` after `ms`. */
export async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Parses one HTTP/1.1 response from the bytes read so far, or undefined while it is incomplete. */
function parseResponse(buf: Buffer): RawResponse | undefined {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const [statusLine = '', ...lines] = buf.subarray(0, end).toString('latin1').split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  const length = Number(headers['content-length'] ?? 0);
  if (buf.length < end + 4 + length) return undefined;
  return { status: Number(statusLine.split(' ')[1]), headers, body: buf.subarray(end + 4, end + 4 + length).toString('utf8') };
}

/**
 * Writes `request` bytes as they are (any method, path, header or body) to 127.0.0.1:`port` and reads
 * one response. Resolves `undefined` when the server closes without answering.
 */
export function rawHttp(port: number, request: Buffer | string, opts: { timeoutMs?: number; localAddress?: string } = {}): Promise<RawResponse | undefined> {
  const socket = connect({ port, host: '127.0.0.1', ...(opts.localAddress ? { localAddress: opts.localAddress } : {}) });
  const done = new Promise<RawResponse | undefined>((resolve, reject) => {
    let buf = Buffer.alloc(0);
    socket.on('connect', () => socket.write(request)); // no half-close: uWS aborts a request whose client sent FIN
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      const res = parseResponse(buf);
      if (res) resolve(res);
    });
    socket.on('close', () => resolve(parseResponse(buf)));
    // The server may answer and close while a big request is still being written.
    socket.on('error', (err) => ['ECONNRESET', 'EPIPE'].includes((err as NodeJS.ErrnoException).code ?? '') ? resolve(parseResponse(buf)) : reject(err));
  });
  return withTimeout(done, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS, 'raw HTTP request').finally(() => socket.destroy());
}

/** An HTTP/1.1 request as bytes: `Content-Length` is set from the body; `Connection: close`. */
export function httpBytes(method: string, target: string, headers: Record<string, string>, body: Buffer | string = ''): Buffer {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const lines = [`${method} ${target} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: close'];
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  if (bytes.length > 0 || method === 'POST') lines.push(`Content-Length: ${bytes.length}`);
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), bytes]);
}

/** `{error:{code,message}}` of a JSON error body, or undefined. */
export function errorOf(res: RawResponse | undefined): { code: string; message: string } | undefined {
  if (!res) return undefined;
  try {
    const body = JSON.parse(res.body) as { error?: { code?: unknown; message?: unknown } };
    const { code, message } = body.error ?? {};
    return typeof code === 'string' && typeof message === 'string' ? { code, message } : undefined;
  } catch {
    return undefined;
  }
}

export interface WsFrame { type?: unknown; id?: unknown; ok?: unknown; result?: unknown; error?: { code?: unknown; message?: unknown }; event?: unknown; data?: unknown }

/** A bare client of /ws that can send anything and waits, bounded, for what comes back. */
export class WsProbe {
  readonly frames: WsFrame[] = [];
  closeCode: number | undefined;
  private waiters = new Set<() => void>();
  private nextId = 0;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      try {
        this.frames.push(JSON.parse(data.toString(isBinary ? 'latin1' : 'utf8')) as WsFrame);
      } catch {
        this.frames.push({ type: 'unparseable' });
      }
      this.wake();
    });
    ws.on('close', (code: number) => {
      this.closeCode = code;
      this.wake();
    });
    ws.on('error', () => this.wake());
  }

  /**
   * Opens /ws on `url` (http://host:port), optionally with an Authorization header. `localAddress`
   * (another 127.x address) gives the client its own identity for per-address limits and lockouts.
   */
  static async open(url: string, opts: { headerToken?: string; timeoutMs?: number; localAddress?: string } = {}): Promise<WsProbe> {
    const headers = opts.headerToken === undefined ? {} : { authorization: `Bearer ${opts.headerToken}` };
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/ws`, { headers, maxPayload: 64 * 1024 * 1024, ...(opts.localAddress ? { localAddress: opts.localAddress } : {}) });
    const probe = new WsProbe(ws);
    await withTimeout(new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: HTTP ${res.statusCode}`)));
      ws.once('error', reject);
    }), opts.timeoutMs ?? DEFAULT_TIMEOUT_MS, 'WebSocket open');
    return probe;
  }

  private wake(): void {
    for (const w of this.waiters) w();
  }

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  send(data: string | Buffer, binary = false): void {
    this.ws.send(data, { binary });
  }

  /** Waits for the first frame (from index `from`) matching `pred`; undefined when the socket closes first. */
  async waitFor(pred: (f: WsFrame) => boolean, timeoutMs = DEFAULT_TIMEOUT_MS, from = 0): Promise<WsFrame | undefined> {
    const find = (): WsFrame | undefined => this.frames.slice(from).find(pred);
    return withTimeout(new Promise<WsFrame | undefined>((resolve) => {
      const check = (): void => {
        const hit = find();
        if (hit || this.closeCode !== undefined || this.ws.readyState >= WebSocket.CLOSING) {
          this.waiters.delete(check);
          resolve(hit);
        }
      };
      this.waiters.add(check);
      check();
    }), timeoutMs, 'WebSocket frame');
  }

  /** Sends a request frame and waits for its response frame. */
  async request(method: string, params?: unknown, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<WsFrame | undefined> {
    const id = `p${++this.nextId}`;
    this.send(JSON.stringify({ type: 'req', id, method, ...(params === undefined ? {} : { params }) }));
    return this.waitFor((f) => f.type === 'res' && f.id === id, timeoutMs);
  }

  /** Resolves with the close code once the server closes the socket. */
  async closed(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<number> {
    await withTimeout(new Promise<void>((resolve) => {
      if (this.ws.readyState === WebSocket.CLOSED) return resolve();
      this.ws.once('close', () => resolve());
    }), timeoutMs, 'WebSocket close');
    return this.closeCode ?? 1006;
  }

  close(): void {
    this.ws.terminate();
  }
}

/** Each secret found in `text` (and, for `a:b` tokens, each half found alone). */
export function secretsIn(text: string, secrets: readonly string[]): string[] {
  return secrets.filter((s) => s.length >= 4 && text.includes(s));
}

/** Per-surface counts printed by the tests as diagnostics (inputs tried, faults injected, deliveries). */
export class Tally {
  private readonly counts = new Map<string, number>();

  add(key: string, n = 1): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + n);
  }

  get(key: string): number {
    return this.counts.get(key) ?? 0;
  }

  toString(): string {
    return [...this.counts].map(([k, v]) => `${k}=${v}`).join(' ');
  }
}

/** One masked client text frame (RFC 6455), for raw sockets. */
export function wsClientFrame(text: string): Buffer {
  const payload = Buffer.from(text, 'utf8');
  const mask = Buffer.from([0x12, 0x34, 0x56, 0x78]);
  const len = payload.length;
  const head = len < 126 ? Buffer.from([0x81, 0x80 | len])
    : len < 65536 ? Buffer.from([0x81, 0x80 | 126, len >> 8, len & 0xff])
      : Buffer.concat([Buffer.from([0x81, 0x80 | 127]), (() => { const b = Buffer.alloc(8); b.writeBigUInt64BE(BigInt(len)); return b; })()]);
  const masked = Buffer.from(payload.map((b, i) => b ^ (mask[i % 4] as number)));
  return Buffer.concat([head, mask, masked]);
}

/**
 * A WebSocket client on a raw socket that upgrades (with the token in the header), sends `frames`,
 * then stops reading: the kernel buffers fill and the gateway sees a consumer that never drains.
 */
export async function stalledWsClient(port: number, token: string, frames: string[]): Promise<{ socket: Socket; closed: Promise<void> }> {
  const socket = connect(port, '127.0.0.1');
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('error', () => undefined);
  await withTimeout(new Promise<void>((resolve, reject) => {
    let head = '';
    const onData = (chunk: Buffer): void => {
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      socket.off('data', onData);
      if (!head.startsWith('HTTP/1.1 101')) return reject(new Error(`upgrade refused: ${head.split('\r\n')[0]}`));
      socket.pause();
      resolve();
    };
    socket.on('data', onData);
    socket.once('connect', () => socket.write([
      'GET /ws HTTP/1.1', 'Host: 127.0.0.1', 'Upgrade: websocket', 'Connection: Upgrade', 'Sec-WebSocket-Version: 13',
      `Sec-WebSocket-Key: ${Buffer.from('stalled-client-0').toString('base64')}`, `Authorization: Bearer ${token}`, '', '',
    ].join('\r\n')));
  }), DEFAULT_TIMEOUT_MS, 'raw WebSocket upgrade');
  for (const f of frames) socket.write(wsClientFrame(f));
  return { socket, closed };
}
