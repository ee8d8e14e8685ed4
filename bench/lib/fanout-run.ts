// One ws-fanout measurement: N subscribed clients on one target, a paced phase and a saturating (windowed) phase.
import { Histogram, type HistogramData, type LatencySummary } from './stats.js';
import { LoadProcess, type IpcMessage } from './procs.js';
import { sleep } from './clock.js';
import type { ServerProcess } from './server.js';

export interface PhaseResult {
  /** Injections the server accepted (HTTP 200). */
  injected: number;
  failed: number;
  /** Frames received by all clients together. */
  frames: number;
  /** Frames that should have arrived: accepted injections × events per injection × connected clients. */
  expected: number;
  deliveredPerSec: number;
  injectedPerSec: number;
  in: LatencySummary;
  out: LatencySummary;
  all: LatencySummary;
  /** Server CPU time per 1,000 delivered frames, ms. */
  cpuMsPerKFrames: number;
  errors: string[];
}

export interface FanoutRun {
  target: string;
  clients: number;
  connected: number;
  connectMs: number;
  serverRssMb: number;
  paced: PhaseResult;
  max: PhaseResult;
  unexpectedCloses: number;
}

export const EVENTS_PER_INJECTION = 2;

class ClientGroup {
  readonly done: number[];
  constructor(readonly procs: LoadProcess[], onProgress: () => void) {
    this.done = procs.map(() => 0);
    procs.forEach((p, i) => {
      p.onMessage = (msg) => {
        if (msg.type !== 'progress') return false;
        this.done[i] = Number(msg.done);
        onProgress();
        return true;
      };
    });
  }

  get minDone(): number {
    return Math.min(...this.done);
  }

  reset(): void {
    this.done.fill(0);
  }
}

async function phase(target: ServerProcess, group: ClientGroup, injector: LoadProcess, fromN: number, command: IpcMessage, timeoutMs: number): Promise<{ result: PhaseResult; sent: number; closes: number }> {
  group.reset();
  await Promise.all(group.procs.map((p) => p.ask({ type: 'measure', fromN, eventsPerInjection: EVENTS_PER_INJECTION }, 'measuring', 10_000)));
  const cpu0 = target.cpuMs();
  const inj = await injector.ask(command, 'injected', timeoutMs);
  const ok = Number(inj.ok);
  // Let the last injections reach every client (bounded), then collect.
  const drainUntil = performance.now() + 10_000;
  while (group.minDone < ok && performance.now() < drainUntil) await sleep(20);
  const cpuMs = target.cpuMs() - cpu0;
  const results = await Promise.all(group.procs.map((p) => p.ask({ type: 'stop' }, 'result', 10_000)));
  const hIn = new Histogram();
  const hOut = new Histogram();
  let frames = 0;
  let lastAt = 0;
  let connected = 0;
  let closes = 0;
  for (const r of results) {
    hIn.merge(r.in as HistogramData);
    hOut.merge(r.out as HistogramData);
    frames += Number(r.frames);
    lastAt = Math.max(lastAt, Number(r.lastAt));
    connected += Number(r.open);
    closes += Number(r.unexpectedCloses);
  }
  const all = new Histogram();
  all.merge(hIn);
  all.merge(hOut);
  const startedAt = Number(inj.startedAt);
  const spanS = Math.max(0.001, (Math.max(lastAt, Number(inj.endedAt)) - startedAt) / 1000);
  return {
    sent: Number(inj.sent),
    closes,
    result: {
      injected: ok,
      failed: Number(inj.failed),
      frames,
      expected: ok * EVENTS_PER_INJECTION * connected,
      deliveredPerSec: frames / spanS,
      injectedPerSec: ok / spanS,
      in: hIn.summary(),
      out: hOut.summary(),
      all: all.summary(),
      cpuMsPerKFrames: frames > 0 ? (cpuMs * 1000) / frames : NaN,
      errors: inj.errors as string[],
    },
  };
}

export interface FanoutParams { clients: number; rate: number; window: number; phaseMs: number; procs: number }

/** Connects the clients to an already running target, runs both phases and closes the load processes. */
export async function runFanout(target: ServerProcess, p: FanoutParams, log: (m: string) => void): Promise<FanoutRun> {
  const procs = Array.from({ length: p.procs }, () => LoadProcess.start('fanout-clients'));
  const injector = LoadProcess.start('injector');
  try {
    const wsUrl = target.url.replace('http', 'ws') + '/ws';
    const shares = procs.map((_, i) => Math.floor(p.clients / p.procs) + (i < p.clients % p.procs ? 1 : 0));
    const started = performance.now();
    const conns = await Promise.all(procs.map((proc, i) => proc.ask({ type: 'connect', url: wsUrl, count: shares[i] }, 'connected', 120_000)));
    const connectMs = performance.now() - started;
    const connected = conns.reduce((s, c) => s + Number(c.connected), 0);
    const errors = conns.flatMap((c) => c.errors as string[]);
    log(`  ${target.kind}: ${connected}/${p.clients} clients connected in ${Math.round(connectMs)} ms${errors.length ? ` (${errors.join('; ')})` : ''}`);
    if (connected === 0) throw new Error(`no client could connect to ${target.kind}: ${errors.join('; ')}`);
    await sleep(500);
    const serverRssMb = target.rss() / 2 ** 20;
    const group = new ClientGroup(procs, () => injector.send({ type: 'progress', delivered: group.minDone }));
    await injector.ask({ type: 'init', url: `${target.url}/api/chat`, sockets: 32 }, 'ready', 5000);
    let fromN = 0;
    const paced = await phase(target, group, injector, fromN, { type: 'paced', rate: p.rate, durationMs: p.phaseMs }, p.phaseMs + 30_000);
    fromN += paced.sent;
    log(`    paced ${p.rate}/s: ${Math.round(paced.result.deliveredPerSec)} frames/s, p99 ${paced.result.all.p99.toFixed(2)} ms`);
    const max = await phase(target, group, injector, fromN, { type: 'window', window: p.window, durationMs: p.phaseMs }, p.phaseMs + 30_000);
    log(`    max (window ${p.window}): ${Math.round(max.result.deliveredPerSec)} frames/s, ${Math.round(max.result.injectedPerSec)} injections/s, p99 ${max.result.all.p99.toFixed(2)} ms`);
    return {
      target: target.kind, clients: p.clients, connected, connectMs, serverRssMb,
      paced: paced.result, max: max.result, unexpectedCloses: max.closes,
    };
  } finally {
    await Promise.all([...procs, injector].map((proc) => proc.close()));
  }
}
