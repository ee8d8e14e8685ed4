// One HTTP request/response over uWS: headers captured up front, bounded body reading, safe corked writes.
import type { HttpRequest, HttpResponse } from '../uws.js';
import { AppError } from '../../errors.js';

const STATUS_TEXT: Record<number, string> = {
  200: '200 OK', 201: '201 Created', 204: '204 No Content', 400: '400 Bad Request', 401: '401 Unauthorized',
  403: '403 Forbidden', 404: '404 Not Found', 405: '405 Method Not Allowed', 413: '413 Payload Too Large',
  429: '429 Too Many Requests', 500: '500 Internal Server Error', 502: '502 Bad Gateway',
  503: '503 Service Unavailable', 504: '504 Gateway Timeout', 507: '507 Insufficient Storage',
};

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

export function statusLine(status: number): string {
  return STATUS_TEXT[status] ?? `${status} Status`;
}

export class HttpExchange {
  aborted = false;
  finished = false;
  status = 0;
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: Readonly<Record<string, string>>;
  readonly remote: string;
  private onAbort: Array<() => void> = [];

  // uWS invalidates `req` after the handler returns, so everything is read here, synchronously.
  constructor(readonly res: HttpResponse, req: HttpRequest) {
    this.method = req.getMethod().toUpperCase();
    this.path = req.getUrl();
    this.query = new URLSearchParams(req.getQuery() ?? '');
    const headers: Record<string, string> = {};
    req.forEach((k, v) => { headers[k] = v; });
    this.headers = headers;
    this.remote = Buffer.from(res.getRemoteAddressAsText()).toString();
    res.onAborted(() => {
      this.aborted = true;
      for (const fn of this.onAbort) fn();
    });
  }

  /** Runs `fn` if the client goes away before the response is finished. */
  whenAborted(fn: () => void): void {
    this.onAbort.push(fn);
  }

  get open(): boolean {
    return !this.aborted && !this.finished;
  }

  send(status: number, body: string, headers: Record<string, string> = {}): void {
    if (!this.open) return;
    this.finished = true;
    this.status = status;
    this.res.cork(() => {
      this.res.writeStatus(statusLine(status));
      for (const [k, v] of Object.entries(headers)) this.res.writeHeader(k, v);
      this.res.end(body);
    });
  }

  json(status: number, body: unknown, headers: Record<string, string> = {}): void {
    this.send(status, JSON.stringify(body), { 'content-type': 'application/json', ...headers });
  }

  fail(err: AppError): void {
    const headers: Record<string, string> = err.retryAfterSec !== undefined ? { 'retry-after': String(err.retryAfterSec) } : {};
    this.json(err.status, { error: err.toJSON() }, headers);
  }

  /** Reads the whole body, refusing with 413 past `limit` bytes (checked before and while reading). */
  readBody(limit: number): Promise<Buffer> {
    const declared = Number(this.headers['content-length'] ?? 0);
    if (declared > limit) return Promise.reject(new AppError('payload_too_large', `body of ${declared} bytes exceeds server.max_payload_bytes (${limit})`));
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let refused = false;
      this.whenAborted(() => reject(new AppError('bad_request', 'client closed the connection')));
      this.res.onData((chunk, isLast) => {
        if (refused) return;
        size += chunk.byteLength;
        if (size > limit) {
          refused = true;
          reject(new AppError('payload_too_large', `body exceeds server.max_payload_bytes (${limit})`));
          return;
        }
        chunks.push(Buffer.from(chunk.slice(0))); // uWS reuses the chunk's memory after this callback
        if (isLast) resolve(Buffer.concat(chunks));
      });
    });
  }

  /** Reads and parses a JSON body; a parse failure names where it broke. */
  async readJson(limit: number): Promise<unknown> {
    const body = await this.readBody(limit);
    if (body.length === 0) throw new AppError('bad_json', 'request body is empty (expected a JSON object)');
    let text: string;
    try {
      // JSON is UTF-8 (RFC 8259); decoding leniently would store U+FFFD in place of what the client sent.
      text = STRICT_UTF8.decode(body);
    } catch {
      throw new AppError('bad_json', 'request body is not valid UTF-8');
    }
    try {
      return JSON.parse(text);
    } catch (err) {
      throw new AppError('bad_json', `request body is not valid JSON: ${(err as Error).message}`);
    }
  }

  /** Starts a streamed response (SSE or chunked); returns false if the client is gone. */
  beginStream(status: number, headers: Record<string, string>): boolean {
    if (!this.open) return false;
    this.status = status;
    this.res.cork(() => {
      this.res.writeStatus(statusLine(status));
      for (const [k, v] of Object.entries(headers)) this.res.writeHeader(k, v);
    });
    return true;
  }

  write(chunk: string): void {
    if (this.open) this.res.cork(() => this.res.write(chunk));
  }

  end(chunk = ''): void {
    if (!this.open) return;
    this.finished = true;
    this.res.cork(() => this.res.end(chunk));
  }
}
