// footprint: idle RSS with the channels up, RSS after an hour's worth of mixed traffic, RSS per 1,000 idle WebSocket clients, start → /ready, installed size.
import { runAutocannon } from './lib/autocannon.js';
import { startChannelFakes, waitChannels, TELEGRAM_USERS } from './lib/channels.js';
import { productionDepsSize } from './lib/deps-size.js';
import { LoadProcess } from './lib/procs.js';
import { MACHINE_VARS, REPO_ROOT, cleanEnv, gatewayNode, gatewayNodeVersion, nodeStartMs, spawnGateway, waitFor200, type ServerProcess } from './lib/server.js';
import { sleep } from './lib/clock.js';
import { rssBreakdown, type Rss } from './lib/machine.js';
import { percentile, round } from './lib/stats.js';
import type { ScenarioReport, TargetCheck } from './lib/results.js';
import type { RunOptions, Scenario } from './lib/scenario.js';

const MB = 2 ** 20;
/** How long the gateway sits idle, after /ready with the channels up, before the settled reading. */
const SETTLE_MS = 30_000;
/** Fresh gateways started for start → /ready: its median moves by ±60 ms between minutes on a shared VM. */
const START_RUNS = 9;
/** Gateways whose idle RSS is read: one gateway's settled RSS moved 92 ↔ 103 MB between identical runs. */
const IDLE_RUNS = 3;

interface IdleReading { states: Record<string, string>; early: Rss; settled: Rss; heapMb: number }

/** One gateway with the channels up: its RSS 3 s after /ready, and again once V8 has had time to give memory back. */
async function idleReading(gw: ServerProcess, settleMs: number, log: (m: string) => void): Promise<IdleReading> {
  await waitFor200(gw.url, '/health', 10_000);
  const states = await waitChannels(gw.url, ['telegram', 'discord'], 20_000);
  await waitFor200(gw.url, '/ready', 30_000);
  await sleep(3000);
  const early = rssBreakdown(gw.pid);
  const heapMb = await heapUsedMb(gw.url);
  // V8 gives back what start-up left in the heaps only after a while of quiet (its memory reducer).
  await sleep(settleMs - 3000);
  const settled = rssBreakdown(gw.pid);
  log(`  idle: RSS ${mb(early.total)} MB 3 s after ready, ${mb(settled.total)} MB after ${settleMs / 1000} s, channels ${JSON.stringify(states)}`);
  return { states, early, settled, heapMb };
}

/** The reading whose `pick` is the median (the middle one of an odd count). */
function medianBy<T>(items: T[], pick: (item: T) => number): T {
  const sorted = [...items].sort((a, b) => pick(a) - pick(b));
  return sorted[Math.floor((sorted.length - 1) / 2)] as T;
}

/** The main thread's JS heap in use, from /metrics; NaN when missing or 0 (Node cannot read its own memory without /proc). */
async function heapUsedMb(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
  const m = /^clanker_nodejs_heap_size_used_bytes (\d+(?:\.\d+)?(?:e\+\d+)?)$/m.exec(text);
  return m && Number(m[1]) > 0 ? Number(m[1]) / MB : NaN;
}

/** Spawn → first 200 on /ready, and spawn → "gateway listening", over `runs` fresh gateways (medians). */
async function startToReady(runs: number, toml: string | undefined, rootfs: string | undefined): Promise<{ readyMs: number; listenMs: number; all: number[] }> {
  const ready: number[] = [];
  const listen: number[] = [];
  for (let i = 0; i < runs; i++) {
    const gw = await spawnGateway({ ...(toml ? { toml } : {}), rootfs });
    try {
      const at = await waitFor200(gw.url, '/ready', 30_000, 2);
      ready.push(at - gw.spawnedAt);
      listen.push(gw.listeningAt - gw.spawnedAt);
    } finally {
      await gw.stop();
    }
  }
  const sorted = (a: number[]): number[] => [...a].sort((x, y) => x - y);
  return { readyMs: percentile(sorted(ready), 50), listenMs: percentile(sorted(listen), 50), all: ready };
}

/** About an hour of a busy personal gateway (a turn a second), compressed: WS and HTTP chats, connection churn, Discord chatter and Telegram turns when up. */
async function mixedTraffic(gw: ServerProcess, up: Record<string, string>, fakes: LoadProcess, log: (m: string) => void): Promise<Record<string, number>> {
  const wsUrl = `${gw.url.replace('http', 'ws')}/ws`;
  const counts: Record<string, number> = {};
  const chat = LoadProcess.start('chat-clients');
  try {
    await chat.ask({ type: 'connect', url: wsUrl, count: 40, tag: 'mixed', topics: ['messages'] }, 'connected', 30_000);
    const ws = await chat.ask({ type: 'paced', method: 'chat', rate: 400, durationMs: 6000 }, 'result', 60_000);
    counts.wsTurns = Number(ws.completed);
    const http = await runAutocannon({ url: `${gw.url}/api/chat`, body: JSON.stringify({ text: 'an hour of traffic' }), connections: 8, amount: 800 });
    counts.httpTurns = http.total - http.non2xx - http.errors;
    for (let round = 0; round < 4; round++) {
      const churn = LoadProcess.start('chat-clients');
      const c = await churn.ask({ type: 'connect', url: wsUrl, count: 50, topics: ['messages', 'status'] }, 'connected', 30_000);
      counts.wsConnections = (counts.wsConnections ?? 0) + Number(c.connected);
      await churn.close();
    }
    if (up.discord === 'up') {
      // A bot in a busy server reads far more than it answers: everything it sees may stay in discord.js's caches.
      const d = await fakes.ask({ type: 'discordChatter', count: 4000, authors: 1500 }, 'discordChatter', 60_000);
      counts.discordChatter = Number(d.injected);
    }
    if (up.telegram === 'up') {
      const t = await fakes.ask({ type: 'paced', users: TELEGRAM_USERS, rate: 100, durationMs: 4000 }, 'result', 60_000);
      counts.telegramTurns = Number(t.answered);
    }
  } finally {
    await chat.close();
  }
  log(`  mixed traffic: ${JSON.stringify(counts)}`);
  return counts;
}

async function idleClients(gw: ServerProcess, total: number): Promise<{ connected: number; ms: number; procs: LoadProcess[] }> {
  const procs = [LoadProcess.start('chat-clients'), LoadProcess.start('chat-clients')];
  const started = performance.now();
  const res = await Promise.all(procs.map((p, i) => p.ask({ type: 'connect', url: `${gw.url.replace('http', 'ws')}/ws`, count: total / 2 + (i === 0 ? total % 2 : 0), topics: ['messages'] }, 'connected', 120_000)));
  return { connected: res.reduce((s, r) => s + Number(r.connected), 0), ms: performance.now() - started, procs };
}

const mb = (bytes: number): number => round(bytes / MB);

export const footprint: Scenario = {
  name: 'footprint',
  title: 'footprint: memory, start time and installed size',
  async run(opts: RunOptions): Promise<ScenarioReport> {
    const idleN = opts.quick ? 2000 : 10_000;
    const settleMs = opts.quick ? 3000 : SETTLE_MS;
    const { rootfs } = opts;
    // Before the fakes start: a root filesystem that cannot run Node fails here with nothing to clean up.
    const data: Record<string, unknown> = { gatewayNode: gatewayNodeVersion(rootfs), ...(rootfs ? { rootfs } : {}) };
    const fakes = await startChannelFakes(['telegram', 'discord']);
    let states: Record<string, string> = {};
    try {
      const readings: IdleReading[] = [];
      const gw = await spawnGateway({ toml: fakes.toml, rootfs });
      try {
        const first = await idleReading(gw, settleMs, opts.log);
        readings.push(first);
        states = first.states;
        data.trafficGatewayIdle = first.settled;
        data.traffic = await mixedTraffic(gw, states, fakes.proc, opts.log);
        await sleep(5000);
        data.afterTraffic = rssBreakdown(gw.pid);
        data.afterTrafficHeapMb = await heapUsedMb(gw.url);
      } finally {
        await gw.stop();
      }
      while (readings.length < (opts.quick ? 1 : IDLE_RUNS)) {
        const next = await spawnGateway({ toml: fakes.toml, rootfs });
        try {
          readings.push(await idleReading(next, settleMs, opts.log));
        } finally {
          await next.stop();
        }
      }
      const early = medianBy(readings, (r) => r.early.total);
      data.idle = early.early;
      data.idleHeapMb = early.heapMb;
      data.idleRuns = readings.map((r) => r.early.total);
      data.idleSettled = medianBy(readings, (r) => r.settled.total).settled;
      data.idleSettledRuns = readings.map((r) => r.settled.total);
      // Idle connections on a fresh gateway, so that traffic left in the heap does not blur them.
      const plain = await spawnGateway({ rootfs });
      try {
        await waitFor200(plain.url, '/ready', 30_000);
        await sleep(2000);
        const before = plain.rss();
        const idle = await idleClients(plain, idleN);
        try {
          await sleep(3000);
          data.idleClients = idle.connected;
          data.idleClientsConnectMs = idle.ms;
          data.withClients = rssBreakdown(plain.pid);
          data.clientsRssMb = (plain.rss() - before) / MB;
          data.rssPer1000ClientsMb = (data.clientsRssMb as number) / (idle.connected / 1000);
          opts.log(`  ${idle.connected} idle clients: +${Math.round(data.clientsRssMb as number)} MB`);
        } finally {
          await Promise.all(idle.procs.map((p) => p.close()));
        }
      } finally {
        await plain.stop();
      }
      const up = Object.entries(states).filter(([, st]) => st === 'up').map(([n]) => n);
      data.startToReady = await startToReady(opts.quick ? 1 : START_RUNS, undefined, rootfs);
      data.nodeStartMs = await nodeStartMs(5, cleanEnv({}), gatewayNode(rootfs));
      const machineVars = MACHINE_VARS.filter((k) => process.env[k] !== undefined);
      if (machineVars.length > 0) data.nodeStartWithMachineVars = { vars: machineVars, ms: await nodeStartMs(5, process.env, gatewayNode(rootfs)) };
      if (up.length > 0) data.startToReadyWithChannels = await startToReady(1, fakes.toml, rootfs);
    } finally {
      await fakes.close();
    }
    const ready = data.startToReady as Awaited<ReturnType<typeof startToReady>>;
    const readyCh = data.startToReadyWithChannels as Awaited<ReturnType<typeof startToReady>> | undefined;
    opts.log(`  start → /ready ${Math.round(ready.readyMs)} ms (listening after ${Math.round(ready.listenMs)} ms)`);
    const deps = productionDepsSize(REPO_ROOT);
    data.deps = deps;
    const up = Object.entries(states).filter(([, st]) => st === 'up').map(([n]) => n);
    const missing = ['telegram', 'discord'].filter((n) => !up.includes(n));
    const idle = data.idle as Rss;
    const settled = data.idleSettled as Rss;
    const trafficIdle = data.trafficGatewayIdle as Rss;
    const runs = (k: string): string => `median of ${(data[k] as number[]).length} gateways: ${(data[k] as number[]).map((x) => mb(x)).join(', ')} MB`;
    const settledAfter = `${settleMs / 1000} s`;
    const after = data.afterTraffic as Rss;
    const withClients = data.withClients as Rss;
    const num = (k: string): number => data[k] as number;
    const heapText = (heapMb: number): string => (Number.isFinite(heapMb) ? `${round(heapMb)} MB` : rootfs ? 'not readable (no /proc in the root filesystem)' : 'missing from /metrics');
    const rssText = (r: Rss): string => `${mb(r.total)} MB (anon ${mb(r.anon)}, file-backed ${mb(r.file)})`;
    /** Which Node the gateway ran on, when it is not the bench's own. */
    const on = rootfs ? ` (gateway on Node ${String(data.gatewayNode)} in the image's root filesystem)` : '';
    const targets: TargetCheck[] = [
      { target: `idle RSS with all actors up < 100 MB, 3 s after ready${on}${missing.length ? ` (${missing.join(', ')} not in this build)` : ''}`, measured: `${mb(idle.total)} MB (${runs('idleRuns')})`, met: idle.total / MB < 100 },
      { target: `idle RSS with all actors up < 100 MB, ${settledAfter} after ready${on}`, measured: `${mb(settled.total)} MB (${runs('idleSettledRuns')})`, met: settled.total / MB < 100 },
      { target: `start → /ready < 500 ms${on}`, measured: `${Math.round(ready.readyMs)} ms (median of ${ready.all.length})`, met: ready.readyMs < 500 },
      { target: `${idleN.toLocaleString('en-US')} idle WebSocket clients < 150 MB${on}`, measured: `+${round(num('clientsRssMb'))} MB (${num('idleClients')} connected; gateway total ${mb(withClients.total)} MB)`, met: num('clientsRssMb') < 150 && num('idleClients') === idleN },
    ];
    const traffic = data.traffic as Record<string, number>;
    const machineVarsStart = data.nodeStartWithMachineVars as { vars: string[]; ms: number } | undefined;
    return {
      tables: [{
        title: 'Footprint of one gateway process (RSS from /proc, worker threads included)',
        columns: ['measure', 'value'],
        rows: [
          [`idle RSS 3 s after ready, channels up: ${up.length ? up.join(' + ') : 'none'}`, `${rssText(idle)}; JS heap used ${heapText(num('idleHeapMb'))}; ${runs('idleRuns')}`],
          [`idle RSS ${settledAfter} after ready`, `${rssText(settled)}; ${runs('idleSettledRuns')}`],
          [`RSS after mixed traffic (${Object.entries(traffic).map(([k, v]) => `${v} ${k}`).join(', ')})`, `${rssText(after)}, ${after.total >= trafficIdle.total ? '+' : ''}${mb(after.total - trafficIdle.total)} MB vs the same gateway idle just before; JS heap used ${heapText(num('afterTrafficHeapMb'))}`],
          [`RSS for ${num('idleClients').toLocaleString('en-US')} idle WebSocket clients (subscribed to messages), fresh gateway`, `+${round(num('clientsRssMb'))} MB = ${round(num('rssPer1000ClientsMb'))} MB per 1,000 (gateway total ${rssText(withClients)})`],
          ['start → first 200 on /ready (median)', `${Math.round(ready.readyMs)} ms (runs: ${ready.all.map((x) => Math.round(x)).join(', ')} ms; listening after ${Math.round(ready.listenMs)} ms)${readyCh ? `; with ${up.join(' + ')} connecting to the fakes: ${Math.round(readyCh.readyMs)} ms` : ''}`],
          ['Node\'s own start: `node -e 0`, spawn → exit (median of 5)', `${Math.round(num('nodeStartMs'))} ms${machineVarsStart ? `; ${Math.round(machineVarsStart.ms)} ms with this machine's ${machineVarsStart.vars.join(', ')}` : ''}`],
          [`installed production dependencies (${deps.packages} packages${rootfs ? ' in this checkout; the image prunes its own: docs/DEPLOY.md' : ''})`, `${round(deps.totalMb)} MB; largest: ${deps.largest.map((d) => `${d.name} ${round(d.mb)} MB`).join(', ')}`],
        ],
      }],
      targets,
      notes: [
        'Mixed traffic stands for an hour of a busy personal gateway (about a turn a second) run compressed: WebSocket chats in 40 sessions with subscribers, HTTP chats, 200 WebSocket connects and disconnects, Telegram updates, and Discord server chatter the bot reads but does not answer (4,000 messages from 1,500 members).',
        'File-backed RSS is mostly the node binary itself (about 35 MB for an empty `node`), the native modules and LMDB pages mapped from the data file; the kernel can drop those under pressure. RSS is not returned to the OS eagerly by V8; the JS heap used (from /metrics, main thread) shows whether memory was retained.',
        `The gateways and baselines the bench starts run without ${MACHINE_VARS.join(', ')}: Node 20 parses that CA bundle before running any code (Node 24 on first TLS use), which measures the machine rather than the gateway; the "Node's own start" row shows what it costs where it is set.`,
        `The gateway ran on Node ${String(data.gatewayNode)}${rootfs ? `, the image's, in its root filesystem ${rootfs} (chroot; its own build under /app)` : ', the one running the bench'}.`,
        'Installed size counts every package `npm ls --omit=dev` lists; both uWebSockets.js packages ship binaries for every platform and Node ABI (the Docker image prunes them to one).',
        missing.length > 0 ? `Not measured with: ${missing.join(', ')} (not in this build). The fakes ran and the config enabled them, so the same run includes them once they land.` : 'Telegram and Discord were connected to their fakes during the idle and traffic measurements.',
      ],
      data,
    };
  },
};
