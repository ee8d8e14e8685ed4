// A promise-based client of the gateway's /ws protocol for CLI commands: open, request → result, events.
import WebSocket from 'ws';
import type { GatewayClient } from './client.js';

/** An event frame as the gateway sends it (`topic` is null for events meant for this connection only). */
export interface WsEvent { event: string; topic: string | null; seq: number; data: unknown }

interface Pending { resolve(result: unknown): void; reject(err: Error): void }

/** `http(s)://host:port` → `ws(s)://host:port/ws`. */
export function wsUrl(httpUrl: string): string {
  return `${httpUrl.replace(/^http/, 'ws')}/ws`;
}

function reachError(client: GatewayClient, err: Error): Error {
  const code = (err as { code?: string }).code ?? err.name;
  return new Error(`gateway not reachable at ${client.url} (${code}); is \`clanker serve\` running?`);
}

export class GatewaySocket {
  private readonly pending = new Map<string, Pending>();
  private readonly listeners: Array<(e: WsEvent) => void> = [];
  private nextId = 0;
  private closedWith: Error | undefined;

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (raw) => this.receive(raw.toString()));
    ws.on('close', (code, reason) => {
      this.closedWith = new Error(`the gateway closed the connection (${code}${reason.length > 0 ? ` ${reason.toString()}` : ''})`);
      for (const p of this.pending.values()) p.reject(this.closedWith);
      this.pending.clear();
    });
  }

  /** Connects with the token in the upgrade header; rejects with a one-line reason (unreachable, refused). */
  static open(client: GatewayClient, timeoutMs = 10_000): Promise<GatewaySocket> {
    const ws = new WebSocket(wsUrl(client.url), {
      headers: client.token ? { authorization: `Bearer ${client.token}` } : {},
      handshakeTimeout: timeoutMs,
    });
    return new Promise((resolve, reject) => {
      ws.once('open', () => {
        ws.removeAllListeners('error');
        ws.on('error', () => undefined); // surfaced through 'close' instead
        resolve(new GatewaySocket(ws));
      });
      ws.on('error', (err) => reject(reachError(client, err)));
      ws.once('unexpected-response', (_req, res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (d: string) => { body += d; });
        res.on('end', () => {
          let error: { code?: string; message?: string } | undefined;
          try { error = (JSON.parse(body) as { error?: typeof error }).error; } catch { error = undefined; }
          reject(new Error(`gateway refused (${res.statusCode ?? '?'} ${error?.code ?? ''}): ${error?.message ?? (body || res.statusMessage)}`));
          ws.terminate();
        });
      });
    });
  }

  /** True once the connection has closed, from either side. */
  get closed(): boolean {
    return this.closedWith !== undefined;
  }

  onEvent(fn: (e: WsEvent) => void): void {
    this.listeners.push(fn);
  }

  /** Sends a request; resolves with its result, or rejects with `code: message` of the error response. */
  request(method: string, params?: unknown): Promise<unknown> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    const id = String(++this.nextId);
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.ws.send(JSON.stringify({ type: 'req', id, method, ...(params === undefined ? {} : { params }) }));
    });
  }

  private receive(text: string): void {
    let frame: { type?: string; id?: unknown; ok?: boolean; result?: unknown; error?: { code?: string; message?: string } } & Partial<WsEvent>;
    try { frame = JSON.parse(text) as typeof frame; } catch { return; }
    if (frame.type === 'event') {
      const event: WsEvent = { event: String(frame.event), topic: frame.topic ?? null, seq: Number(frame.seq), data: frame.data };
      for (const fn of this.listeners) fn(event);
      return;
    }
    if (frame.type !== 'res' || typeof frame.id !== 'string') return;
    const p = this.pending.get(frame.id);
    if (!p) return;
    this.pending.delete(frame.id);
    if (frame.ok) p.resolve(frame.result);
    else p.reject(new Error(`gateway refused (${frame.error?.code ?? 'error'}): ${frame.error?.message ?? 'no message'}`));
  }

  /** Closes normally and waits (bounded) for the close handshake. */
  async close(timeoutMs = 2000): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => { this.ws.terminate(); resolve(); }, timeoutMs);
      this.ws.once('close', () => { clearTimeout(timer); resolve(); });
      this.ws.close(1000);
    });
  }
}
