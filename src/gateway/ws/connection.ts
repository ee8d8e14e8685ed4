// The /ws endpoint: authentication, frame parsing and limits; methods are dispatched to methods.ts.
import type { WebSocket, WebSocketBehavior } from '../uws.js';
import type { Logger } from '../../log/logger.js';
import { AppError, toAppError } from '../../errors.js';
import { bearerToken, tokensEqual } from '../auth.js';
import type { EventHub } from './hub.js';
import { parseFrame, type RequestFrame } from './frames.js';
import { parseParams } from '../validate.js';
import { ConnectParams } from '../api-schemas.js';

export interface ConnectionData {
  id: number;
  remote: string;
  authed: boolean;
  authTimer: NodeJS.Timeout | undefined;
  /** Sequence of events sent to this connection alone (chat deltas of its own requests). */
  directSeq: number;
  closed: boolean;
  /** Told when a direct send leaves this connection's buffer over the limit (publishes tell it themselves). */
  hub: EventHub;
}

export type MethodHandler = (ws: WebSocket<ConnectionData>, frame: RequestFrame) => unknown;

export interface WsOptions {
  version: string;
  authToken: string;
  maxPayloadBytes: number;
  authTimeoutMs?: number;
  hub: EventHub;
  logger: Logger;
  methods: ReadonlyMap<string, MethodHandler>;
  /** Called with each failed token attempt's address; throwing refuses (auth lockout). */
  onAuthFailure?: (remote: string) => void;
  isLockedOut?: (remote: string) => boolean;
  onOpen?: () => void;
  onClose?: () => void;
}

export const CLOSE_UNAUTHORIZED = 4401;

/** Sends one frame to one connection; a client that asks and never reads is found by the hub's sweep. */
function deliver(ws: WebSocket<ConnectionData>, text: string): void {
  const d = ws.getUserData();
  if (d.closed) return;
  ws.send(text);
  if (ws.getBufferedAmount() > d.hub.maxBufferBytes) d.hub.scheduleSweep();
}

export function sendResult(ws: WebSocket<ConnectionData>, id: string, result: unknown): void {
  deliver(ws, `{"type":"res","id":${JSON.stringify(id)},"ok":true,"result":${JSON.stringify(result ?? null)}}`);
}

export function sendError(ws: WebSocket<ConnectionData>, id: string | null, err: AppError): void {
  deliver(ws, JSON.stringify({ type: 'res', id, ok: false, error: err.toJSON() }));
}

export function sendDirectEvent(ws: WebSocket<ConnectionData>, event: string, data: unknown): void {
  const d = ws.getUserData();
  if (d.closed) return;
  d.directSeq++;
  deliver(ws, `{"type":"event","event":${JSON.stringify(event)},"topic":null,"seq":${d.directSeq},"data":${JSON.stringify(data)}}`);
}

let nextConnectionId = 0;

export function wsBehavior(opts: WsOptions): WebSocketBehavior<ConnectionData> {
  const authTimeoutMs = opts.authTimeoutMs ?? 5000;
  const auth = (ws: WebSocket<ConnectionData>, token: string | undefined, id: string): void => {
    const d = ws.getUserData();
    if (opts.authToken === '' || (token !== undefined && tokensEqual(token, opts.authToken))) {
      d.authed = true;
      clearTimeout(d.authTimer);
      return;
    }
    opts.onAuthFailure?.(d.remote);
    sendError(ws, id, new AppError('unauthorized', 'wrong token'));
    d.closed = true;
    ws.end(CLOSE_UNAUTHORIZED, 'unauthorized');
  };
  // A client already authenticated by its upgrade header may still send connect (for the version).
  const connect = (ws: WebSocket<ConnectionData>, frame: RequestFrame): void => {
    const d = ws.getUserData();
    let token: string | undefined;
    try {
      token = parseParams(ConnectParams, frame.params ?? {}).token;
    } catch (err) {
      return sendError(ws, frame.id, toAppError(err));
    }
    if (!d.authed || token !== undefined) auth(ws, token, frame.id);
    if (d.authed) sendResult(ws, frame.id, { version: opts.version });
  };

  return {
    // uWS drops larger frames without a close frame; accept a margin and answer 1009 ourselves.
    maxPayloadLength: opts.maxPayloadBytes + 64 * 1024,
    // No uWS limit: over it uWS drops every frame, the 1013 close frame too (the client would see 1006).
    // server.ws_max_buffer_bytes is enforced by the hub's sweep, after publishes and after large direct sends.
    maxBackpressure: 0,
    closeOnBackpressureLimit: false,
    idleTimeout: 120,
    sendPingsAutomatically: true,
    upgrade: (res, req, context) => {
      const remote = Buffer.from(res.getRemoteAddressAsText()).toString();
      const header = req.getHeader('authorization');
      const key = req.getHeader('sec-websocket-key');
      const protocol = req.getHeader('sec-websocket-protocol');
      const extensions = req.getHeader('sec-websocket-extensions');
      const token = bearerToken(header);
      if (opts.isLockedOut?.(remote)) {
        res.cork(() => res.writeStatus('429 Too Many Requests').writeHeader('content-type', 'application/json').writeHeader('retry-after', '60')
          .end(JSON.stringify({ error: { code: 'rate_limited', message: 'too many failed authentication attempts; try again later' } })));
        return;
      }
      const headerOk = opts.authToken === '' || (token !== undefined && tokensEqual(token, opts.authToken));
      if (token !== undefined && !headerOk) {
        opts.onAuthFailure?.(remote);
        res.cork(() => res.writeStatus('401 Unauthorized').writeHeader('content-type', 'application/json')
          .end(JSON.stringify({ error: { code: 'unauthorized', message: 'wrong bearer token' } })));
        return;
      }
      const data: ConnectionData = { id: ++nextConnectionId, remote, authed: headerOk, authTimer: undefined, directSeq: 0, closed: false, hub: opts.hub };
      res.cork(() => res.upgrade(data, key, protocol, extensions, context));
    },
    open: (ws) => {
      const d = ws.getUserData();
      opts.hub.add(ws);
      opts.onOpen?.();
      if (!d.authed) {
        d.authTimer = setTimeout(() => {
          if (d.closed || d.authed) return;
          d.closed = true;
          ws.end(CLOSE_UNAUTHORIZED, `no connect with a valid token within ${authTimeoutMs} ms`);
        }, authTimeoutMs);
      }
    },
    message: (ws, message) => {
      const d = ws.getUserData();
      if (d.closed) return;
      if (message.byteLength > opts.maxPayloadBytes) {
        d.closed = true;
        ws.end(1009, `frame of ${message.byteLength} bytes exceeds server.max_payload_bytes (${opts.maxPayloadBytes})`);
        return;
      }
      const parsed = parseFrame(Buffer.from(message).toString('utf8'));
      if ('error' in parsed) return sendError(ws, parsed.id, parsed.error);
      const frame = parsed.frame;
      if (frame.method === 'connect') return connect(ws, frame);
      if (!d.authed) return sendError(ws, frame.id, new AppError('unauthorized', 'send connect with params.token first'));
      const handler = opts.methods.get(frame.method);
      if (!handler) return sendError(ws, frame.id, new AppError('unknown_method', `unknown method "${frame.method}" (expected one of connect, ${[...opts.methods.keys()].join(', ')})`));
      new Promise((resolve) => resolve(handler(ws, frame))).then(
        (result) => sendResult(ws, frame.id, result),
        (err: unknown) => {
          const appErr = toAppError(err);
          if (appErr.code === 'internal') opts.logger.error({ err, method: frame.method }, 'ws method failed');
          sendError(ws, frame.id, appErr);
        },
      );
    },
    close: (ws) => {
      const d = ws.getUserData();
      d.closed = true;
      clearTimeout(d.authTimer);
      opts.hub.remove(ws);
      opts.onClose?.();
    },
  };
}

