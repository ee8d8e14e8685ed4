/** The fake Discord gateway: a `ws` server speaking Discord's plain-JSON gateway protocol (v10) to discord.js. */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, WebSocket, type RawData } from 'ws';
import { guildCreatePayload, userPayload, type DiscordWorld } from './discord-model.js';

const Op = { Dispatch: 0, Heartbeat: 1, Identify: 2, Presence: 3, Voice: 4, Resume: 6, RequestMembers: 8, InvalidSession: 9, Hello: 10, HeartbeatAck: 11 } as const;
const IGNORED_OPS: ReadonlySet<number> = new Set([Op.Presence, Op.Voice, Op.RequestMembers]);
/** Dispatches kept per session for replay on RESUME; older ones force a fresh IDENTIFY. */
const MAX_REPLAY = 1000;
export const GATEWAY_PATH = '/gateway';
export const RESUME_PATH = '/gateway-resume';

interface Session { id: string; intents: number; seq: number; log: Array<{ s: number; frame: string }>; socket: WebSocket | null }
interface Connection { ws: WebSocket; session: Session | null }

export interface GatewayOptions { token: string; heartbeatIntervalMs: number; baseWsUrl: () => string }

export class FakeGateway {
  readonly #wss = new WebSocketServer({ noServer: true });
  readonly #sessions = new Map<string, Session>();
  readonly #sockets = new Set<WebSocket>();
  readonly #world: DiscordWorld;
  readonly #opts: GatewayOptions;
  #acking = true;
  readonly counts = { identifies: 0, resumes: 0, connections: 0 };

  constructor(world: DiscordWorld, opts: GatewayOptions) {
    this.#world = world;
    this.#opts = opts;
  }

  /** Takes over an HTTP upgrade on a gateway path; anything else is refused. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== GATEWAY_PATH && url.pathname !== RESUME_PATH) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    this.#wss.handleUpgrade(req, socket, head, (ws) => this.#accept(ws, url.searchParams));
  }

  /** Sends dispatch `t` to every session; `build` returns the `d` for a session's intents, or null to skip it. */
  broadcast(t: string, build: (intents: number) => unknown): void {
    for (const session of this.#sessions.values()) {
      const d = build(session.intents);
      if (d !== null) this.#dispatch(session, t, d);
    }
  }

  /** Closes every gateway socket: with `code` as a close frame, without it abruptly (the client sees 1006). */
  dropConnection(code?: number): void {
    for (const ws of this.#sockets) {
      if (code === undefined) ws.terminate();
      else ws.close(code, 'closed by fake');
    }
  }

  stopAcking(on: boolean): void {
    this.#acking = !on;
  }

  /** Forgets every session: live connections get INVALID_SESSION (not resumable) and a later RESUME gets it too. */
  invalidateSessions(): void {
    for (const session of this.#sessions.values()) {
      if (session.socket) send(session.socket, { op: Op.InvalidSession, d: false, s: null, t: null });
    }
    this.#sessions.clear();
  }

  async close(): Promise<void> {
    for (const ws of this.#sockets) ws.terminate();
    this.#sockets.clear();
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
  }

  #accept(ws: WebSocket, params: URLSearchParams): void {
    this.counts.connections++;
    this.#sockets.add(ws);
    const conn: Connection = { ws, session: null };
    ws.on('close', (code) => this.#onClose(conn, code));
    ws.on('error', () => ws.terminate());
    if (params.get('v') !== '10') return ws.close(4012, 'Invalid API version');
    if (params.get('encoding') !== 'json' || params.has('compress')) return ws.close(4002, 'Decode error');
    ws.on('message', (data, isBinary) => this.#onFrame(conn, data, isBinary));
    send(ws, { op: Op.Hello, d: { heartbeat_interval: this.#opts.heartbeatIntervalMs }, s: null, t: null });
  }

  #onClose(conn: Connection, code: number): void {
    this.#sockets.delete(conn.ws);
    const session = conn.session;
    if (!session || session.socket !== conn.ws) return;
    session.socket = null;
    // A clean close ends the session on Discord; anything else leaves it resumable.
    if (code === 1000 || code === 1001) this.#sessions.delete(session.id);
  }

  #onFrame(conn: Connection, data: RawData, isBinary: boolean): void {
    const payload = isBinary ? null : parseFrame(data);
    if (!payload) return conn.ws.close(4002, 'Decode error');
    const { op, d } = payload;
    if (op === Op.Heartbeat) {
      if (this.#acking) send(conn.ws, { op: Op.HeartbeatAck });
      return;
    }
    if (op === Op.Identify) return this.#identify(conn, d);
    if (op === Op.Resume) return this.#resume(conn, d);
    if (IGNORED_OPS.has(op)) return conn.session ? undefined : conn.ws.close(4003, 'Not authenticated');
    conn.ws.close(4001, 'Unknown opcode');
  }

  #identify(conn: Connection, d: Record<string, unknown>): void {
    this.counts.identifies++;
    if (conn.session) return conn.ws.close(4005, 'Already authenticated');
    if (d.token !== this.#opts.token) return conn.ws.close(4004, 'Authentication failed');
    if (typeof d.intents !== 'number') return conn.ws.close(4013, 'Invalid intent(s)');
    const world = this.#world;
    const session: Session = { id: world.snowflake(), intents: d.intents, seq: 0, log: [], socket: conn.ws };
    this.#sessions.set(session.id, session);
    conn.session = session;
    this.#dispatch(session, 'READY', {
      v: 10,
      user: { ...userPayload(world.botUser), verified: true, mfa_enabled: false, flags: 0 },
      guilds: [...world.guilds.keys()].map((id) => ({ id, unavailable: true })),
      session_id: session.id,
      session_type: 'normal',
      resume_gateway_url: `${this.#opts.baseWsUrl()}${RESUME_PATH}`,
      shard: [0, 1],
      application: { id: world.applicationId, flags: 0 },
      private_channels: [],
      presences: [],
      relationships: [],
      guild_join_requests: [],
      geo_ordered_rtc_regions: [],
      auth: {},
      user_settings: {},
      _trace: ['["fake-discord",{"micros":0}]'],
    });
    for (const guild of world.guilds.values()) this.#dispatch(session, 'GUILD_CREATE', guildCreatePayload(world, guild));
  }

  #resume(conn: Connection, d: Record<string, unknown>): void {
    this.counts.resumes++;
    if (conn.session) return conn.ws.close(4005, 'Already authenticated');
    if (d.token !== this.#opts.token) return conn.ws.close(4004, 'Authentication failed');
    const session = typeof d.session_id === 'string' ? this.#sessions.get(d.session_id) : undefined;
    const seq = typeof d.seq === 'number' ? d.seq : -1;
    const oldest = session?.log[0]?.s ?? Number.POSITIVE_INFINITY;
    const replayable = session !== undefined && seq >= 0 && seq <= session.seq && (seq === session.seq || oldest <= seq + 1);
    if (!replayable) {
      send(conn.ws, { op: Op.InvalidSession, d: false, s: null, t: null });
      return;
    }
    if (session.socket && session.socket !== conn.ws) session.socket.close(4009, 'Session taken over by resume');
    session.socket = conn.ws;
    conn.session = session;
    for (const entry of session.log) {
      if (entry.s > seq) conn.ws.send(entry.frame);
    }
    this.#dispatch(session, 'RESUMED', { _trace: ['["fake-discord",{"micros":0}]'] });
  }

  #dispatch(session: Session, t: string, d: unknown): void {
    const s = ++session.seq;
    const frame = JSON.stringify({ op: Op.Dispatch, t, s, d });
    session.log.push({ s, frame });
    if (session.log.length > MAX_REPLAY) session.log.shift();
    if (session.socket?.readyState === WebSocket.OPEN) session.socket.send(frame);
  }
}

function send(ws: WebSocket, payload: Record<string, unknown>): void {
  if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(payload));
}

function parseFrame(data: RawData): { op: number; d: Record<string, unknown> } | null {
  try {
    const buf = Array.isArray(data) ? Buffer.concat(data) : data instanceof ArrayBuffer ? Buffer.from(new Uint8Array(data)) : data;
    const text = buf.toString('utf8');
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || !('op' in parsed) || typeof parsed.op !== 'number') return null;
    const d = 'd' in parsed && typeof parsed.d === 'object' && parsed.d !== null ? (parsed.d as Record<string, unknown>) : {};
    return { op: parsed.op, d };
  } catch {
    return null;
  }
}
