// Loads uWebSockets.js: the btc-vision build (Node 20-25, glibc >= 2.38), else trufflesuite's (Node 20, older glibc).
import { createRequire } from 'node:module';

export type Uws = typeof import('@btc-vision/uwebsockets.js');
export type { TemplatedApp, HttpResponse, HttpRequest, WebSocket, WebSocketBehavior, us_listen_socket } from '@btc-vision/uwebsockets.js';

export interface LoadedUws { uws: Uws; build: string }

const require = createRequire(import.meta.url);

function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  return lines[lines.length - 1] ?? text;
}

const CANDIDATES: ReadonlyArray<{ build: string; load: () => unknown }> = [
  { build: '@btc-vision/uwebsockets.js', load: () => require('@btc-vision/uwebsockets.js') },
  {
    // Load the binary itself: the package's own entry silently swaps in a slow JS fallback on a wrong ABI.
    build: '@trufflesuite/uws-js-unofficial',
    load: () => require(`@trufflesuite/uws-js-unofficial/binaries/uws_${process.platform}_${process.arch}_${process.versions.modules}.node`),
  },
];

let loaded: LoadedUws | undefined;

/** The first build that loads with a working native App; throws naming why each one failed. */
export function loadUws(): LoadedUws {
  if (loaded) return loaded;
  const reasons: string[] = [];
  for (const candidate of CANDIDATES) {
    try {
      const uws = candidate.load() as Uws;
      if (typeof uws.App !== 'function' || typeof uws.SSLApp !== 'function') throw new Error('module has no native App/SSLApp');
      loaded = { uws, build: candidate.build };
      return loaded;
    } catch (err) {
      reasons.push(`${candidate.build}: ${firstLine(err)}`);
    }
  }
  throw new Error(`no uWebSockets.js build loads on Node ${process.version} (${process.platform}-${process.arch}, ABI ${process.versions.modules}); musl/Alpine is not supported:\n  ${reasons.join('\n  ')}`);
}
