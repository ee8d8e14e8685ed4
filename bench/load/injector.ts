// Load process for ws-fanout: injects probe messages over HTTP POST, paced or gated by delivery (a window).
import { probeText, sleep, wallMs } from '../lib/clock.js';
import { JsonPoster } from '../lib/http-post.js';
import { serveCommands, type IpcMessage } from '../lib/procs.js';

let poster: JsonPoster | undefined;
/** Next injection number; never reused, so late frames of an earlier phase can be told apart. */
let nextN = 0;
/** Injections delivered to every client (relayed by the runner from the client processes). */
let delivered = 0;
let wake: (() => void) | undefined;

interface Tally { sent: number; ok: number; failed: number; errors: Map<string, number>; inFlight: number }

function inject(tally: Tally, onSettled: () => void): void {
  const n = nextN++;
  tally.sent++;
  tally.inFlight++;
  (poster as JsonPoster).post(JSON.stringify({ text: probeText(n) })).then(
    (res) => {
      if (res.status === 200) tally.ok++;
      else {
        tally.failed++;
        const key = `HTTP ${res.status}: ${res.body.slice(0, 120)}`;
        tally.errors.set(key, (tally.errors.get(key) ?? 0) + 1);
      }
    },
    (err: unknown) => {
      tally.failed++;
      const key = err instanceof Error ? err.message : String(err);
      tally.errors.set(key, (tally.errors.get(key) ?? 0) + 1);
    },
  ).finally(() => {
    tally.inFlight--;
    onSettled();
  });
}

function report(tally: Tally, startedAt: number, firstN: number): IpcMessage {
  return {
    type: 'injected', sent: tally.sent, ok: tally.ok, failed: tally.failed, firstN, startedAt,
    endedAt: wallMs(), errors: [...tally.errors].map(([m, c]) => `${c}× ${m}`),
  };
}

async function settle(tally: Tally, deadline: number): Promise<void> {
  while (tally.inFlight > 0 && performance.now() < deadline) await sleep(5);
}

serveCommands({
  init: (msg: IpcMessage) => {
    poster = new JsonPoster(String(msg.url), Number(msg.sockets ?? 16));
    return { type: 'ready' };
  },
  progress: (msg: IpcMessage) => {
    delivered = Number(msg.delivered);
    wake?.();
  },
  /** Open loop: injection i leaves at start + i/rate, whatever the server does (up to maxInFlight). */
  paced: async (msg: IpcMessage) => {
    const rate = Number(msg.rate);
    const durationMs = Number(msg.durationMs);
    const maxInFlight = Number(msg.maxInFlight ?? 1000);
    const count = Math.round((rate * durationMs) / 1000);
    const tally: Tally = { sent: 0, ok: 0, failed: 0, errors: new Map(), inFlight: 0 };
    const firstN = nextN;
    const startedAt = wallMs();
    const t0 = performance.now();
    let skipped = 0;
    for (let i = 0; i < count; i++) {
      const due = t0 + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 0.5) await sleep(wait);
      if (tally.inFlight >= maxInFlight) skipped++;
      else inject(tally, () => undefined);
    }
    await settle(tally, performance.now() + 15_000);
    return { ...report(tally, startedAt, firstN), skipped, rate };
  },
  /** Closed loop: at most `window` injections not yet delivered to every client. */
  window: async (msg: IpcMessage) => {
    const windowSize = Number(msg.window);
    const durationMs = Number(msg.durationMs);
    const tally: Tally = { sent: 0, ok: 0, failed: 0, errors: new Map(), inFlight: 0 };
    const firstN = nextN;
    delivered = 0;
    const startedAt = wallMs();
    const deadline = performance.now() + durationMs;
    while (performance.now() < deadline) {
      if (tally.sent - tally.failed - delivered < windowSize) {
        inject(tally, () => wake?.());
        continue;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50);
        wake = () => { clearTimeout(timer); wake = undefined; resolve(); };
      });
    }
    await settle(tally, performance.now() + 15_000);
    return report(tally, startedAt, firstN);
  },
}, () => poster?.close());
