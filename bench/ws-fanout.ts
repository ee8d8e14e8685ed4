// ws-fanout: N subscribed WebSocket clients, messages injected over HTTP; the gateway against raw uWS and a `ws` broker.
import { runFanout, type FanoutRun } from './lib/fanout-run.js';
import { spawnTarget, type TargetKind } from './lib/server.js';
import { ratio, round } from './lib/stats.js';
import type { Cell, ScenarioReport, Table, TargetCheck } from './lib/results.js';
import type { RunOptions, Scenario } from './lib/scenario.js';

const TARGETS: TargetKind[] = ['gateway', 'raw-uws', 'ws-broker'];

function find(runs: FanoutRun[], target: TargetKind, clients: number): FanoutRun | undefined {
  return runs.find((r) => r.target === target && r.clients === clients);
}

function tables(runs: FanoutRun[], sizes: number[], framesPerSec: number, window: number): Table[] {
  const detail: Table = {
    title: `Fan-out per target (paced: ${framesPerSec.toLocaleString('en-US')} frames/s offered, i.e. ${framesPerSec.toLocaleString('en-US')} / (2 × clients) injections/s, each 2 events to every client; max: ${window} injections in flight, gated on delivery)`,
    columns: ['clients', 'target', 'connected', 'paced frames/s', 'paced p50 ms', 'paced p99 ms', 'paced p99.9 ms', 'max frames/s', 'max injections/s', 'max p50 ms', 'max p99 ms', 'max p99.9 ms', 'server CPU ms per 1k frames', 'missing frames', 'server RSS MB'],
    rows: runs.map((r): Cell[] => [
      r.clients, r.target, r.connected,
      Math.round(r.paced.deliveredPerSec), round(r.paced.all.p50), round(r.paced.all.p99), round(r.paced.all.p999),
      Math.round(r.max.deliveredPerSec), Math.round(r.max.injectedPerSec), round(r.max.all.p50), round(r.max.all.p99), round(r.max.all.p999), round(r.max.cpuMsPerKFrames),
      Math.max(0, r.paced.expected - r.paced.frames) + Math.max(0, r.max.expected - r.max.frames), Math.round(r.serverRssMb),
    ]),
  };
  const ratios: Table = {
    title: 'Ratios: ours/raw uWS and ours/ws broker (frames/s: higher is better for us; p99: lower is better for us)',
    columns: ['clients', 'max frames/s ours/raw', 'max frames/s ours/ws', 'paced frames/s ours/raw', 'paced frames/s ours/ws', 'paced p99 ours/raw', 'paced p99 ours/ws', 'max p99 ours/raw', 'max p99 ours/ws'],
    rows: sizes.map((n): Cell[] => {
      const [g, u, w] = TARGETS.map((t) => find(runs, t, n));
      if (!g || !u || !w) return [n, null, null, null, null, null, null, null, null];
      return [
        n, ratio(g.max.deliveredPerSec, u.max.deliveredPerSec), ratio(g.max.deliveredPerSec, w.max.deliveredPerSec),
        ratio(g.paced.deliveredPerSec, u.paced.deliveredPerSec), ratio(g.paced.deliveredPerSec, w.paced.deliveredPerSec),
        ratio(g.paced.all.p99, u.paced.all.p99), ratio(g.paced.all.p99, w.paced.all.p99),
        ratio(g.max.all.p99, u.max.all.p99), ratio(g.max.all.p99, w.max.all.p99),
      ];
    }),
  };
  return [ratios, detail];
}

function targets(runs: FanoutRun[], sizes: number[]): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const top = Math.max(...sizes);
  const held = find(runs, 'gateway', top);
  if (held) checks.push({ target: `${top.toLocaleString('en-US')} concurrent WebSocket clients held`, measured: `${held.connected.toLocaleString('en-US')} connected, ${held.unexpectedCloses} dropped`, met: held.connected === top && held.unexpectedCloses === 0 });
  for (const n of sizes) {
    const [g, u, w] = TARGETS.map((t) => find(runs, t, n));
    if (!g || !u || !w) continue;
    const vsRaw = g.max.deliveredPerSec / u.max.deliveredPerSec;
    const vsWs = g.max.deliveredPerSec / w.max.deliveredPerSec;
    checks.push({ target: `fan-out at ${n.toLocaleString('en-US')} clients ≥ 70% of raw uWS`, measured: `${Math.round(vsRaw * 100)}%`, met: vsRaw >= 0.7 });
    checks.push({ target: `fan-out at ${n.toLocaleString('en-US')} clients ≥ 3× the ws broker`, measured: `${round(vsWs)}×`, met: vsWs >= 3 });
  }
  return checks;
}

export const wsFanout: Scenario = {
  name: 'ws-fanout',
  title: 'ws-fanout: delivery to N subscribed WebSocket clients',
  async run(opts: RunOptions): Promise<ScenarioReport> {
    const sizes = opts.quick ? [1000] : [1000, 5000, 10_000];
    // Paced phases offer the same frames/s at every size (rate × 2 events × clients), so latency compares across sizes.
    const framesPerSec = Number(process.env.BENCH_FANOUT_FRAMES ?? 20_000);
    const window = Number(process.env.BENCH_FANOUT_WINDOW ?? 32);
    const phaseMs = opts.quick ? 2000 : 5000;
    const runs: FanoutRun[] = [];
    for (const clients of sizes) {
      opts.log(`ws-fanout: ${clients} clients`);
      for (const kind of TARGETS) {
        const target = await spawnTarget(kind);
        try {
          const rate = Math.max(1, Math.round(framesPerSec / (2 * clients)));
          runs.push(await runFanout(target, { clients, rate, window, phaseMs, procs: clients > 2000 ? 2 : 1 }, opts.log));
        } finally {
          await target.stop();
        }
      }
    }
    return {
      tables: tables(runs, sizes, framesPerSec, window),
      targets: targets(runs, sizes),
      notes: [
        'Latency is receive time minus the injection timestamp carried in the message text, both read from the same machine clock (performance.timeOrigin + performance.now()) in different processes.',
        'Every injection is one POST /api/chat; the gateway publishes its "in" event once the message is stored and its "out" event once the echo agent answered, both to topic `messages`; the baselines publish the same two frames at once. Latency covers both events.',
        `"max" keeps ${window} injections in flight, counted until every client of every load process received both events, so the server is never allowed to queue without bound; frames/s is then the fan-out capacity of server + clients on the shared cores.`,
        'Clients are spread over 1 (1,000) or 2 load processes; the injector is a third process.',
        '"max" frames/s is bounded by the load processes on these shared cores as much as by the server: read it with the server CPU per 1,000 frames next to it. The gateway publishes its two events at different moments (stored, then answered), the baselines both at once, so at low rates the gateway makes twice the socket writes per injection.',
        'Missing frames: frames that never arrived for injections the server acknowledged (frames of injections still in flight when the phase ended can arrive on top).',
      ],
      data: { framesPerSec, window, phaseMs, runs },
    };
  },
};
