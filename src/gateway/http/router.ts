// A small method+path router for the HTTP API: `:name` segments become params, unknown routes get 404 JSON.
import type { HttpExchange } from './exchange.js';
import { AppError } from '../../errors.js';

export type RouteHandler = (ex: HttpExchange, params: Readonly<Record<string, string>>) => void | Promise<void>;

export interface Route {
  method: string;
  /** e.g. `/api/sessions/:id/messages`; used as the metrics label too. */
  pattern: string;
  /** False only for routes anyone may call (/health). */
  auth: boolean;
  handler: RouteHandler;
}

interface CompiledRoute extends Route { regex: RegExp; keys: string[] }

export interface RouteMatch { route: Route; params: Record<string, string> }

/** A path segment decoded; malformed percent-encoding is the client's error, not a crash. */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new AppError('bad_request', `path segment "${segment}" has malformed percent-encoding`);
  }
}

export class HttpRouter {
  private routes: CompiledRoute[] = [];

  add(route: Route): this {
    const keys: string[] = [];
    const source = route.pattern.split('/').map((part) => {
      if (!part.startsWith(':')) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      keys.push(part.slice(1));
      return '([^/]+)';
    }).join('/');
    this.routes.push({ ...route, regex: new RegExp(`^${source}/?$`), keys });
    return this;
  }

  /** The route for a request, `method_not_allowed` when only the path matches, or undefined; throws `bad_request` for a malformed path. */
  match(method: string, path: string): RouteMatch | 'method_not_allowed' | undefined {
    let pathMatched = false;
    for (const route of this.routes) {
      const m = route.regex.exec(path);
      if (!m) continue;
      pathMatched = true;
      if (route.method !== method && !(route.method === 'GET' && method === 'HEAD')) continue;
      const params: Record<string, string> = {};
      route.keys.forEach((k, i) => { params[k] = decodeSegment(m[i + 1] ?? ''); });
      return { route, params };
    }
    return pathMatched ? 'method_not_allowed' : undefined;
  }
}
