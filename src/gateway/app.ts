// The front door: a uWS App (or SSLApp) on the main thread serving the HTTP routes and the WebSocket endpoint.
import type { Logger } from '../log/logger.js';
import type { Config } from '../config/schema.js';
import { AppError, toAppError } from '../errors.js';
import { isAuthorized } from './auth.js';
import { HttpExchange } from './http/exchange.js';
import { HttpRouter, type Route } from './http/router.js';
import { loadUws, type TemplatedApp, type us_listen_socket, type WebSocketBehavior } from './uws.js';

/** Called for each request before its handler; throwing refuses it (rate limits, load shedding). */
export type RequestGuard = (ex: HttpExchange, route: Route) => void;
/** Observes each finished request (metrics). */
export type RequestObserver = (route: string, method: string, status: number) => void;

export interface GatewayOptions {
  config: Config;
  logger: Logger;
  routes: Route[];
  guards?: RequestGuard[];
  observe?: RequestObserver;
  /** Told the address of each request with a missing or wrong token (auth lockouts). */
  onAuthFailure?: (remote: string) => void;
}

const LIBUS_LISTEN_EXCLUSIVE_PORT = 1;

export class Gateway {
  readonly uwsBuild: string;
  private readonly app: TemplatedApp;
  private readonly router = new HttpRouter();
  private listenSocket: us_listen_socket | false = false;
  private readonly inFlight = new Set<HttpExchange>();
  private port = 0;

  constructor(private readonly opts: GatewayOptions) {
    const { uws, build } = loadUws();
    this.uwsBuild = build;
    const { tls } = opts.config.server;
    this.app = tls.cert_file !== ''
      ? uws.SSLApp({ cert_file_name: tls.cert_file, key_file_name: tls.key_file })
      : uws.App();
    for (const route of opts.routes) this.router.add(route);
  }

  /** Registers the WebSocket endpoint; call before listen(). */
  websocket<T>(pattern: string, behavior: WebSocketBehavior<T>): void {
    this.app.ws(pattern, behavior);
  }

  /** Registers more HTTP routes; call before listen(). */
  addRoutes(routes: Route[]): void {
    for (const route of routes) this.router.add(route);
  }

  get uwsApp(): TemplatedApp {
    return this.app;
  }

  private dispatch(ex: HttpExchange): void {
    let match: ReturnType<HttpRouter['match']>;
    try {
      match = this.router.match(ex.method, ex.path);
    } catch (err) {
      return this.finish(ex, '(unmatched)', err);
    }
    if (match === undefined) return this.finish(ex, '(unmatched)', new AppError('not_found', `no route for ${ex.method} ${ex.path}`));
    if (match === 'method_not_allowed') return this.finish(ex, '(unmatched)', new AppError('method_not_allowed', `${ex.method} is not supported on ${ex.path}`));
    const { route, params } = match;
    try {
      for (const guard of this.opts.guards ?? []) guard(ex, route);
      if (route.auth && !isAuthorized(ex.headers.authorization, this.opts.config.server.auth_token)) {
        this.opts.onAuthFailure?.(ex.remote);
        throw new AppError('unauthorized', 'missing or wrong bearer token (expected header Authorization: Bearer <server.auth_token>)');
      }
    } catch (err) {
      return this.finish(ex, route.pattern, toAppError(err));
    }
    this.inFlight.add(ex);
    Promise.resolve()
      .then(() => route.handler(ex, params))
      .then(() => this.finish(ex, route.pattern), (err: unknown) => this.finish(ex, route.pattern, err));
  }

  private finish(ex: HttpExchange, route: string, err?: unknown): void {
    this.inFlight.delete(ex);
    if (err !== undefined) {
      const appErr = toAppError(err);
      if (appErr.code === 'internal') this.opts.logger.error({ err, route }, 'request failed');
      ex.fail(appErr);
    } else if (ex.open && ex.status === 0) {
      ex.fail(new AppError('internal', 'handler sent no response'));
    }
    this.opts.observe?.(route, ex.method, ex.status);
  }

  async listen(): Promise<number> {
    // The catch-all goes last so that the WebSocket route registered before it wins the upgrade.
    this.app.any('/*', (res, req) => this.dispatch(new HttpExchange(res, req)));
    const { host, port } = this.opts.config.server;
    const { uws } = loadUws();
    await new Promise<void>((resolve, reject) => {
      // Exclusive: by default uSockets sets SO_REUSEPORT, and a second gateway on the same port would
      // silently share its connections. The native listen takes (host, port, options, cb); the typings omit it.
      const listen = this.app.listen as unknown as (h: string, p: number, options: number, cb: (s: us_listen_socket | false) => void) => void;
      listen.call(this.app, host, port, LIBUS_LISTEN_EXCLUSIVE_PORT, (socket) => {
        if (!socket) return reject(new Error(`cannot listen on ${host}:${port} (address in use or not available)`));
        this.listenSocket = socket;
        this.port = uws.us_socket_local_port(socket);
        resolve();
      });
    });
    return this.port;
  }

  get listeningPort(): number {
    return this.port;
  }

  /** Stops accepting, lets in-flight requests finish (bounded), then closes what remains. */
  async close(drainMs = 2000): Promise<void> {
    if (this.listenSocket) {
      loadUws().uws.us_listen_socket_close(this.listenSocket);
      this.listenSocket = false;
    }
    const deadline = Date.now() + drainMs;
    while (this.inFlight.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    this.app.close();
  }
}
