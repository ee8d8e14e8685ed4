// The HTTP server and control surface shared by the fake Anthropic and OpenAI servers; each provider plugs in its wire format.
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { conversationText, estimateTokens, isRecord, limitToTokens, positiveInt, splitIntoDeltas } from './model-fake-text.js';

export interface RecordedModelRequest {
  path: string;
  headers: Record<string, string | undefined>;
  /** Parsed JSON body (undefined when the body was not JSON). */
  body: unknown;
  at: number;
}

export interface ModelFailure {
  status: number;
  /** Response body; defaults to the provider's error JSON for `status`. */
  body?: unknown;
  headers?: Record<string, string>;
}

export interface FakeModelServer {
  /** Anthropic: 'http://127.0.0.1:PORT'; OpenAI: 'http://127.0.0.1:PORT/v1'. */
  url: string;
  /** Every request to the messages/completions endpoint, in order (failed and hanging ones too). */
  requests: RecordedModelRequest[];
  /** The next `count` calls answer with this error. Queued with hangNext in call order; a 401 for a wrong key does not use one up. */
  failNext(count: number, failure: ModelFailure): void;
  /** The next `count` calls never answer (until the client aborts or close()). */
  hangNext(count: number): void;
  /** Reply text for a call; default `echo: ${lastUserText}`. */
  setReply(fn: (lastUserText: string, body: unknown) => string): void;
  /** Delay between streamed deltas (default 0). */
  setChunkDelayMs(ms: number): void;
  callCount(): number;
  /** Closes the server and every open socket, hanging calls included. */
  close(): Promise<void>;
}

/** What a provider needs to know to answer one successful call. */
export interface ModelReply {
  body: Record<string, unknown>;
  model: string;
  text: string;
  /** The reply was cut to the request's max-tokens field. */
  truncated: boolean;
  inputTokens: number;
  outputTokens: number;
}

/** A streamed answer as SSE frames: the chunk delay applies between `deltas` only. */
export interface SseScript {
  head: string[];
  deltas: string[];
  tail: string[];
}

/** The provider-specific half of a fake: routes, auth, ids, and the JSON/SSE wire shapes. */
export interface ModelProtocol {
  /** Appended to the origin to form `url` ('' or '/v1'). */
  basePath: string;
  /** The POST path of model calls, e.g. '/v1/messages'. */
  callPath: string;
  requestIdHeader: string;
  newRequestId(): string;
  /** The API key the request presents, if any. */
  presentedKey(req: IncomingMessage): string | undefined;
  /** The provider's error JSON for a status; `message` overrides the default text. */
  errorBody(status: number, message?: string): unknown;
  /** Max-tokens field of a call body, if set. */
  maxTokens(body: Record<string, unknown>): unknown;
  completion(reply: ModelReply): unknown;
  stream(reply: ModelReply, deltas: string[]): SseScript;
  /** Answers any other GET route (e.g. the model list); returns undefined for 404. */
  getRoute?(path: string): unknown;
}

type Planned = { kind: 'fail'; failure: ModelFailure } | { kind: 'hang' };

/** One SSE frame; `event` adds the `event:` line Anthropic uses. */
export function sseFrame(data: unknown, event?: string): string {
  const payload = typeof data === 'string' ? data : JSON.stringify(data);
  return `${event === undefined ? '' : `event: ${event}\n`}data: ${payload}\n\n`;
}

/** Starts a fake model server for `protocol` on 127.0.0.1 with an ephemeral port. */
export async function startModelFake(protocol: ModelProtocol, apiKey: string | undefined): Promise<FakeModelServer> {
  const requests: RecordedModelRequest[] = [];
  const planned: Planned[] = [];
  let replyFn = (lastUserText: string, _body: unknown): string => `echo: ${lastUserText}`;
  let chunkDelayMs = 0;
  // Pending delays, so close() can end streams that are waiting between deltas.
  const delays = new Map<NodeJS.Timeout, () => void>();
  let closed = false;

  function sleep(ms: number): Promise<void> {
    if (ms <= 0 || closed) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        delays.delete(timer);
        resolve();
      }, ms);
      delays.set(timer, resolve);
    });
  }

  function send(res: ServerResponse, requestId: string, status: number, body: unknown, headers: Record<string, string> = {}): void {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
      [protocol.requestIdHeader]: requestId,
      ...headers,
    });
    res.end(text);
  }

  async function streamScript(res: ServerResponse, requestId: string, script: SseScript): Promise<void> {
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      [protocol.requestIdHeader]: requestId,
    });
    const gone = (): boolean => closed || res.destroyed;
    for (const frame of script.head) res.write(frame);
    for (const [i, frame] of script.deltas.entries()) {
      if (i > 0) await sleep(chunkDelayMs);
      if (gone()) return;
      res.write(frame);
    }
    if (gone()) return;
    for (const frame of script.tail) res.write(frame);
    res.end();
  }

  async function answerCall(res: ServerResponse, requestId: string, body: unknown): Promise<void> {
    const plan = planned.shift();
    if (plan?.kind === 'hang') return;
    if (plan?.kind === 'fail') {
      const { status, headers } = plan.failure;
      send(res, requestId, status, plan.failure.body ?? protocol.errorBody(status), headers);
      return;
    }
    if (!isRecord(body) || !Array.isArray(body['messages'])) {
      send(res, requestId, 400, protocol.errorBody(400, 'messages: Field required (body must be JSON with a messages array)'));
      return;
    }

    const conversation = conversationText(body);
    const limited = limitToTokens(replyFn(conversation.lastUser, body), positiveInt(protocol.maxTokens(body)));
    const reply: ModelReply = {
      body,
      model: typeof body['model'] === 'string' ? body['model'] : 'unknown-model',
      text: limited.text,
      truncated: limited.truncated,
      inputTokens: estimateTokens(conversation.all.reduce((n, t) => n + t.length, 0)),
      outputTokens: estimateTokens(limited.text.length),
    };
    if (body['stream'] === true) {
      await streamScript(res, requestId, protocol.stream(reply, splitIntoDeltas(reply.text)));
    } else {
      send(res, requestId, 200, protocol.completion(reply));
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const path = req.url ?? '/';
    const pathname = path.split('?')[0] ?? path;
    const requestId = protocol.newRequestId();
    const isCall = req.method === 'POST' && pathname === protocol.callPath;
    const body = isCall ? parseJson(raw) : undefined;
    if (isCall) requests.push({ path, headers: flattenHeaders(req), body, at: Date.now() });
    if (apiKey !== undefined && protocol.presentedKey(req) !== apiKey) {
      send(res, requestId, 401, protocol.errorBody(401));
      return;
    }
    if (isCall) {
      await answerCall(res, requestId, body);
      return;
    }
    const answer = req.method === 'GET' ? protocol.getRoute?.(pathname) : undefined;
    if (answer === undefined) send(res, requestId, 404, protocol.errorBody(404, `Not found: ${req.method ?? ''} ${pathname}`));
    else send(res, requestId, 200, answer);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) send(res, protocol.newRequestId(), 500, protocol.errorBody(500));
      else res.destroy(err instanceof Error ? err : undefined);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}${protocol.basePath}`,
    requests,
    failNext(count, failure) {
      for (let i = 0; i < count; i++) planned.push({ kind: 'fail', failure });
    },
    hangNext(count) {
      for (let i = 0; i < count; i++) planned.push({ kind: 'hang' });
    },
    setReply(fn) {
      replyFn = fn;
    },
    setChunkDelayMs(ms) {
      chunkDelayMs = ms;
    },
    callCount: () => requests.length,
    async close() {
      closed = true;
      for (const [timer, resolve] of delays) {
        clearTimeout(timer);
        resolve();
      }
      delays.clear();
      const done = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await done;
    },
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

function flattenHeaders(req: IncomingMessage): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(req.headers)) out[name] = Array.isArray(value) ? value.join(', ') : value;
  return out;
}
