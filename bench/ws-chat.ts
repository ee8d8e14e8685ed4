// ws-chat: WebSocket clients running `chat` against the echo agent; the round trip is the gateway's whole overhead per turn.
import { LoadProcess, type IpcMessage } from './lib/procs.js';
import { spawnGateway, waitFor200 } from './lib/server.js';
import { Histogram, round, type HistogramData, type LatencySummary } from './lib/stats.js';
import type { Cell, ScenarioReport } from './lib/results.js';
import type { RunOptions, Scenario } from './lib/scenario.js';

interface PhaseFigures { phase: string; load: string; perSec: number; latency: LatencySummary; errors: string[]; unanswered: number; completed: number; cpuMsPerRequest: number }

function figures(phase: string, load: string, r: IpcMessage, cpuMs: number): PhaseFigures {
  const completed = Number(r.completed);
  return {
    phase, load, perSec: Number(r.perSec), latency: Histogram.from(r.hist as HistogramData).summary(),
    errors: r.errors as string[], unanswered: Number(r.unanswered), completed, cpuMsPerRequest: completed > 0 ? cpuMs / completed : NaN,
  };
}

export const TARGET_RATE = 1000;
export const TARGET_P99_MS = 2;

export const wsChat: Scenario = {
  name: 'ws-chat',
  title: 'ws-chat: chat turns over WebSocket with the echo agent',
  async run(opts: RunOptions): Promise<ScenarioReport> {
    const clientsN = 100;
    const phaseMs = opts.quick ? 2000 : 5000;
    const gateway = await spawnGateway({ profileDir: opts.profileDir });
    const load = LoadProcess.start('chat-clients');
    const phases: PhaseFigures[] = [];
    try {
      await waitFor200(gateway.url, '/ready', 30_000);
      const conn = await load.ask({ type: 'connect', url: `${gateway.url.replace('http', 'ws')}/ws`, count: clientsN }, 'connected', 60_000);
      if (Number(conn.connected) !== clientsN) throw new Error(`only ${String(conn.connected)} of ${clientsN} clients connected: ${(conn.errors as string[]).join('; ')}`);
      const run = async (phase: string, loadText: string, msg: IpcMessage): Promise<void> => {
        const cpu0 = gateway.cpuMs();
        const reply = await load.ask(msg, 'result', phaseMs + 60_000);
        const r = figures(phase, loadText, reply, gateway.cpuMs() - cpu0);
        phases.push(r);
        opts.log(`  ${phase} (${loadText}): ${Math.round(r.perSec)}/s, p50 ${r.latency.p50.toFixed(3)} ms, p99 ${r.latency.p99.toFixed(3)} ms, gateway CPU ${r.cpuMsPerRequest.toFixed(3)} ms/request${r.errors.length ? `, errors ${r.errors.join(', ')}` : ''}`);
      };
      // Warm-up (JIT, LMDB pages, worker threads); not reported.
      await load.ask({ type: 'closed', method: 'chat', concurrency: 16, durationMs: 1500 }, 'result', 60_000);
      await run('ping (transport only)', `paced ${TARGET_RATE}/s`, { type: 'paced', method: 'ping', rate: TARGET_RATE, durationMs: phaseMs });
      await run('chat, one client', 'closed loop, 1 in flight', { type: 'closed', method: 'chat', concurrency: 1, durationMs: phaseMs });
      await run('chat', `paced ${TARGET_RATE}/s over ${clientsN} clients`, { type: 'paced', method: 'chat', rate: TARGET_RATE, durationMs: phaseMs });
      await run('chat, max', `closed loop, ${clientsN} clients`, { type: 'closed', method: 'chat', concurrency: clientsN, durationMs: phaseMs });
    } finally {
      await load.close();
      await gateway.stop();
    }
    const paced = phases.find((p) => p.phase === 'chat');
    const max = phases.find((p) => p.phase === 'chat, max');
    return {
      tables: [{
        title: 'Round trip per request, client side (send → response frame), ms',
        columns: ['phase', 'load', 'per s', 'p50', 'p90', 'p99', 'p99.9', 'max', 'gateway CPU ms/request', 'errors'],
        rows: phases.map((p): Cell[] => [p.phase, p.load, Math.round(p.perSec), round(p.latency.p50), round(p.latency.p90), round(p.latency.p99), round(p.latency.p999), round(p.latency.max), round(p.cpuMsPerRequest), p.errors.join(', ') || (p.unanswered ? `${p.unanswered} unanswered` : 0)]),
      }],
      targets: [
        ...(paced ? [{ target: `chat turn p99 < ${TARGET_P99_MS} ms at ${TARGET_RATE.toLocaleString('en-US')} turns/s`, measured: `p99 ${round(paced.latency.p99)} ms at ${Math.round(paced.perSec)} turns/s`, met: paced.latency.p99 < TARGET_P99_MS && paced.perSec >= TARGET_RATE * 0.95 }] : []),
        ...(max ? [{ target: 'chat turns/s (no target; capacity)', measured: `${Math.round(max.perSec)} turns/s`, met: true }] : []),
      ],
      notes: [
        'A turn is the whole path: frame parse → store the user turn (LMDB, persistence actor) → publish → agent task in the worker pool (echo: zero model latency) → store the answer → mark delivered → publish → response frame. The echo provider costs nothing, so the round trip is the gateway overhead (plus the loopback and the client).',
        `Each client uses its own session, so history grows during the run as it would in a conversation; ${clientsN} clients in one load process.`,
        'Gateway CPU per request is the CPU time (all threads, /proc) the gateway used during the phase divided by the requests answered: unlike latency it hardly depends on what else the machine runs.',
        '"ping" is the transport floor: the same WebSocket round trip with a method that does no work.',
      ],
      data: { clients: clientsN, phaseMs, phases },
    };
  },
};
