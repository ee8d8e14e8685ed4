// ws-chat: WebSocket clients running `chat` against the echo agent; the round trip is the gateway's whole overhead per turn.
import { tmpdir } from 'node:os';
import { LoadProcess, type IpcMessage } from './lib/procs.js';
import { spawnDurableEcho, spawnGateway, waitFor200, TMPFS, type ServerProcess } from './lib/server.js';
import { Histogram, ratio, round, type HistogramData, type LatencySummary } from './lib/stats.js';
import type { Cell, ScenarioReport, TargetCheck } from './lib/results.js';
import type { RunOptions, Scenario } from './lib/scenario.js';

/** Who answered: the gateway, or the baseline (bench/baselines/durable-echo.ts) under the same load. */
type Server = 'gateway' | 'durable-echo';

export interface PhaseFigures {
  server: Server; storage: string; phase: string; load: string; perSec: number; latency: LatencySummary;
  errors: string[]; unanswered: number; completed: number; cpuMsPerRequest: number;
}

const TARGET_RATE = 1000;
const TARGET_P99_MS = 2;
const CLIENTS = 100;

function figures(server: Server, storage: string, phase: string, load: string, r: IpcMessage, cpuMs: number): PhaseFigures {
  const completed = Number(r.completed);
  return {
    server, storage, phase, load, perSec: Number(r.perSec), latency: Histogram.from(r.hist as HistogramData).summary(),
    errors: r.errors as string[], unanswered: Number(r.unanswered), completed, cpuMsPerRequest: completed > 0 ? cpuMs / completed : NaN,
  };
}

/** Sequential durable commits on each storage: the floor every stored turn pays, whatever the gateway does. */
async function storageFloor(count: number): Promise<Record<string, LatencySummary>> {
  const proc = LoadProcess.start('lmdb-commit');
  try {
    const out: Record<string, LatencySummary> = {};
    for (const [name, dir] of [['disk', tmpdir()], ['tmpfs', TMPFS]] as const) {
      const r = await proc.ask({ type: 'commits', dir, count }, 'commits', 120_000);
      out[name] = Histogram.from(r.hist as HistogramData).summary();
    }
    return out;
  } finally {
    await proc.close();
  }
}

/** The gateway (ready) or the baseline, its data dir on `storage`. */
async function start(server: Server, storage: 'disk' | 'tmpfs', opts: RunOptions): Promise<ServerProcess> {
  if (server === 'durable-echo') return spawnDurableEcho(storage);
  const gateway = await spawnGateway({ tmpfs: storage === 'tmpfs', profileDir: opts.profileDir });
  try {
    await waitFor200(gateway.url, '/ready', 30_000);
  } catch (err) {
    await gateway.stop();
    throw err;
  }
  return gateway;
}

/** One server, its data dir on `storage`; each phase's round trips and the server's CPU time. */
async function runOn(server: Server, storage: 'disk' | 'tmpfs', phaseMs: number, opts: RunOptions): Promise<PhaseFigures[]> {
  const target = await start(server, storage, opts);
  const load = LoadProcess.start('chat-clients');
  const phases: PhaseFigures[] = [];
  try {
    const conn = await load.ask({ type: 'connect', url: `${target.url.replace('http', 'ws')}/ws`, count: CLIENTS, tag: storage }, 'connected', 60_000);
    if (Number(conn.connected) !== CLIENTS) throw new Error(`only ${String(conn.connected)} of ${CLIENTS} clients connected: ${(conn.errors as string[]).join('; ')}`);
    const run = async (phase: string, loadText: string, msg: IpcMessage): Promise<void> => {
      const cpu0 = target.cpuMs();
      const reply = await load.ask(msg, 'result', phaseMs + 60_000);
      const r = figures(server, storage, phase, loadText, reply, target.cpuMs() - cpu0);
      phases.push(r);
      opts.log(`  ${server}, ${storage}: ${phase} (${loadText}): ${Math.round(r.perSec)}/s, p50 ${r.latency.p50.toFixed(3)} ms, p99 ${r.latency.p99.toFixed(3)} ms, CPU ${r.cpuMsPerRequest.toFixed(3)} ms/request${r.errors.length ? `, errors ${r.errors.join(', ')}` : ''}${r.unanswered ? `, ${r.unanswered} unanswered` : ''}`);
    };
    // Warm-up (JIT, LMDB pages, worker threads); not reported.
    await load.ask({ type: 'closed', method: 'chat', concurrency: 16, durationMs: 1500 }, 'result', 60_000);
    if (storage === 'tmpfs') await run('ping (transport only)', `paced ${TARGET_RATE}/s`, { type: 'paced', method: 'ping', rate: TARGET_RATE, durationMs: phaseMs });
    await run('chat, one client', 'closed loop, 1 in flight', { type: 'closed', method: 'chat', concurrency: 1, durationMs: phaseMs });
    for (const rate of storage === 'tmpfs' ? [100, 300] : [100]) {
      await run('chat', `paced ${rate}/s over ${CLIENTS} clients`, { type: 'paced', method: 'chat', rate, durationMs: phaseMs });
    }
    await run('chat', `paced ${TARGET_RATE}/s over ${CLIENTS} clients`, { type: 'paced', method: 'chat', rate: TARGET_RATE, durationMs: phaseMs });
    await run('chat, max', `closed loop, ${CLIENTS} clients`, { type: 'closed', method: 'chat', concurrency: CLIENTS, durationMs: phaseMs });
    if (phases.some((p) => p.unanswered > 0)) opts.log(`  ${server} log tail:\n${target.tail()}`);
  } finally {
    await load.close();
    await target.stop();
  }
  return phases;
}

const samePhase = (a: PhaseFigures, b: PhaseFigures): boolean => a.storage === b.storage && a.phase === b.phase && a.load === b.load;

/** Each gateway phase beside the baseline's phase under the same load and storage: latency, CPU and rate ratios. */
export function againstBaseline(phases: readonly PhaseFigures[]): Cell[][] {
  const rows: Cell[][] = [];
  for (const ours of phases.filter((p) => p.server === 'gateway' && p.phase !== 'ping (transport only)')) {
    const theirs = phases.find((p) => p.server === 'durable-echo' && samePhase(p, ours));
    if (!theirs) continue;
    rows.push([
      ours.storage, ours.phase, ours.load,
      round(ours.latency.p50), round(theirs.latency.p50), ratio(ours.latency.p50, theirs.latency.p50),
      round(ours.latency.p99), round(theirs.latency.p99), ratio(ours.latency.p99, theirs.latency.p99),
      ratio(ours.cpuMsPerRequest, theirs.cpuMsPerRequest), ratio(ours.perSec, theirs.perSec),
    ]);
  }
  return rows;
}

function targets(phases: PhaseFigures[]): TargetCheck[] {
  const out: TargetCheck[] = [];
  const atTarget = (server: Server, storage: string): PhaseFigures | undefined =>
    phases.find((p) => p.server === server && p.phase === 'chat' && p.storage === storage && p.load.startsWith(`paced ${TARGET_RATE}/s`));
  for (const storage of ['tmpfs', 'disk']) {
    const paced = atTarget('gateway', storage);
    if (!paced) continue;
    const baseline = atTarget('durable-echo', storage);
    out.push({
      target: `chat turn p99 < ${TARGET_P99_MS} ms at ${TARGET_RATE.toLocaleString('en-US')} turns/s (data dir on ${storage}${storage === 'tmpfs' ? ': gateway overhead alone' : ': includes the disk flushes'})`,
      measured: `p99 ${round(paced.latency.p99)} ms at ${Math.round(paced.perSec)} turns/s${baseline ? ` (durable-echo baseline, same load: p99 ${round(baseline.latency.p99)} ms)` : ''}`,
      met: paced.latency.p99 < TARGET_P99_MS && paced.perSec >= TARGET_RATE * 0.95,
    });
  }
  return out;
}

export const wsChat: Scenario = {
  name: 'ws-chat',
  title: 'ws-chat: chat turns over WebSocket with the echo agent',
  async run(opts: RunOptions): Promise<ScenarioReport> {
    const phaseMs = opts.quick ? 2000 : 5000;
    const floor = await storageFloor(opts.quick ? 50 : 200);
    opts.log(`  storage floor: disk commit p50 ${floor.disk?.p50.toFixed(2)} ms p99 ${floor.disk?.p99.toFixed(2)} ms; tmpfs p50 ${floor.tmpfs?.p50.toFixed(3)} ms`);
    // Gateway and baseline alternate per storage, so both see the machine in the same minutes.
    const phases: PhaseFigures[] = [];
    for (const storage of ['tmpfs', 'disk'] as const) {
      for (const server of ['gateway', 'durable-echo'] as const) phases.push(...await runOn(server, storage, phaseMs, opts));
    }
    return {
      tables: [
        {
          title: 'Round trip per request, client side (send → response frame), ms',
          columns: ['server', 'data dir', 'phase', 'load', 'per s', 'p50', 'p90', 'p99', 'p99.9', 'max', 'CPU ms/request', 'errors'],
          rows: phases.map((p): Cell[] => [p.server, p.storage, p.phase, p.load, Math.round(p.perSec), round(p.latency.p50), round(p.latency.p90), round(p.latency.p99), round(p.latency.p999), round(p.latency.max), round(p.cpuMsPerRequest), p.errors.join(', ') || (p.unanswered ? `${p.unanswered} unanswered` : 0)]),
        },
        {
          title: 'Gateway against the durable-echo baseline, same load, same run (ratios: gateway ÷ baseline)',
          columns: ['data dir', 'phase', 'load', 'p50 gateway', 'p50 baseline', 'p50 ratio', 'p99 gateway', 'p99 baseline', 'p99 ratio', 'CPU/request ratio', 'per s ratio'],
          rows: againstBaseline(phases),
        },
        {
          title: 'Storage floor: one awaited LMDB transaction (durable commit, lmdb defaults), sequential, ms',
          columns: ['storage', 'commits', 'p50', 'p90', 'p99', 'max'],
          rows: Object.entries(floor).map(([name, s]): Cell[] => [name === 'disk' ? `disk (${tmpdir()})` : `tmpfs (${TMPFS})`, s.count, round(s.p50), round(s.p90), round(s.p99), round(s.max)]),
        },
      ],
      targets: targets(phases),
      notes: [
        'A turn is the whole path: frame parse → store the user turn (LMDB, persistence actor, durable) → publish → agent actor on a worker thread (echo: zero model latency) → store the answer and close the turn (durable) → publish → response frame. The echo provider costs nothing, so the round trip is the gateway overhead (plus the loopback and the client).',
        'Each turn waits for two durable commits. On a disk each costs an fsync (see the storage floor, measured in the same run); tmpfs makes the flush free, which isolates what the gateway itself costs. A machine with a fast NVMe disk lands between the two.',
        `Each client uses its own session, so history grows during the run as it would in a conversation; ${CLIENTS} clients in one load process.`,
        `The durable-echo baseline (bench/baselines/durable-echo.ts) is the floor for this round trip: one thread, raw uWebSockets.js, the user turn and the echo answer each committed to LMDB (awaited, lmdb's default durable commits) before the response frame. It has no actors, validation, history, limits or metrics, and each commit is one record written with a plain put, where the gateway's store writes 4 records for a user turn (turn, pending marker, dedupe key, session) and 6 for an answer (turn, session, three usage counters, the pending marker removed), each commit a transaction whose callback runs on the store's thread. It runs the same phases with the same load process right after the gateway on each storage; "per s ratio" matters for the max phase (the paced ones send at a fixed rate).`,
        'CPU per request is the CPU time (all threads, /proc) the server used during the phase divided by the requests answered: unlike latency it hardly depends on what else the machine runs.',
        'A paced phase sends on schedule whatever the answers do; its "per s" counts answers over the phase plus the time to drain what queued, so a rate above capacity shows as fewer per second and latency that grows with the queue.',
        '"ping" is the transport floor: the same WebSocket round trip with a method that does no work.',
      ],
      data: { clients: CLIENTS, phaseMs, floor, phases },
    };
  },
};
