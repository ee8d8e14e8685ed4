// Soak: steady mixed load on a real gateway for a set time, sampling RSS, event-loop lag and errors; does RSS level off?
// Standalone: `node dist/bench/soak.js --seconds 600 [--rate 20] [--subscribers 10] [--churn 5]`; results in bench/results/soak.json.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startGateway } from '../test/helpers/cli.js';
import { startFakeOpenAI } from '../test/fakes/openai.js';
import { startLoad, type LoadCounts } from './lib/soak-load.js';
import { trend, type Trend } from './lib/trend.js';
import type { Scenario } from './lib/scenario.js';

export interface SoakOptions {
  seconds: number;
  /** Chat turns per second (WS and HTTP together). */
  rate: number;
  subscribers: number;
  churnPerSec: number;
  sampleSeconds: number;
  log(message: string): void;
}

export interface SoakSample {
  /** Seconds since the load started. */
  t: number;
  rssMb: number;
  heapUsedMb: number | null;
  lagMeanMs: number | null;
  lagP99Ms: number | null;
  turns: number;
  /** Client-side failures so far (refused or failed turns, dropped subscribers, failed connects). */
  clientErrors: number;
  /** HTTP 5xx answers so far, from the gateway's own metrics. */
  http5xx: number;
  wsConnections: number | null;
}

export interface SoakReport {
  tables: Array<{ title: string; columns: string[]; rows: Array<Array<string | number | null>> }>;
  targets: Array<{ target: string; measured: string; met: boolean | null }>;
  notes: string[];
  data: { options: Omit<SoakOptions, 'log'>; samples: SoakSample[]; rss: Trend; counts: LoadCounts };
}

const KEY = 'sk-soak-fake-openai-key';
const RESULTS = fileURLToPath(new URL('../../bench/results/', import.meta.url));

function rssMb(pid: number): number {
  return Math.round(Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024);
}

/** A metric's value from Prometheus text, or null. */
function metric(text: string, name: string): number | null {
  const m = new RegExp(`^${name} ([0-9.e+-]+)$`, 'm').exec(text);
  return m ? Number(m[1]) : null;
}

/** The sum of the last capture group over every match of `re` (a global regex). */
function sum(text: string, re: RegExp): number {
  return [...text.matchAll(re)].reduce((n, m) => n + Number(m[m.length - 1]), 0);
}

const round = (x: number | null, digits = 1): number | null => x === null ? null : Math.round(x * 10 ** digits) / 10 ** digits;

export async function runSoak(opts: SoakOptions): Promise<SoakReport> {
  const model = await startFakeOpenAI({ apiKey: KEY });
  const gw = await startGateway({
    configToml: ['[server]', 'rate_limit_per_minute = 0', '[agent]', 'provider = "openai"', `api_key = "${KEY}"`, `base_url = "${model.url}"`, 'max_retries = 0', ''].join('\n'),
  });
  const pid = gw.proc.pid as number;
  const stop = new AbortController();
  const samples: SoakSample[] = [];
  let counts: LoadCounts = { wsTurns: 0, httpTurns: 0, events: 0, churned: 0, errors: 0, errorSamples: [] };
  try {
    opts.log(`gateway ${gw.url} (pid ${pid}); ${opts.seconds} s at ${opts.rate} turns/s, ${opts.subscribers} subscribers, ${opts.churnPerSec} connects/s`);
    const started = Date.now();
    const load = startLoad({ url: gw.url, rate: opts.rate, subscribers: opts.subscribers, churnPerSec: opts.churnPerSec }, stop.signal);
    counts = load.counts;
    const sampler = async (): Promise<void> => {
      while (!stop.signal.aborted) {
        await new Promise((r) => setTimeout(r, opts.sampleSeconds * 1000));
        if (gw.proc.exitCode !== null) throw new Error(`the gateway exited (code ${gw.proc.exitCode})`);
        const text = await fetch(`${gw.url}/metrics`, { signal: AbortSignal.timeout(10_000) }).then((r) => r.text()).catch(() => '');
        const sample: SoakSample = {
          t: Math.round((Date.now() - started) / 1000),
          rssMb: rssMb(pid),
          heapUsedMb: round((metric(text, 'clanker_nodejs_heap_size_used_bytes') ?? NaN) / 1048576) ?? null,
          lagMeanMs: round((metric(text, 'clanker_nodejs_eventloop_lag_mean_seconds') ?? NaN) * 1000),
          lagP99Ms: round((metric(text, 'clanker_nodejs_eventloop_lag_p99_seconds') ?? NaN) * 1000),
          turns: sum(text, /^clanker_messages_total\{channel="(ws|http)",direction="out"\} (\d+)$/gm),
          clientErrors: load.counts.errors,
          http5xx: sum(text, /^clanker_http_requests_total\{[^}]*status="5\d\d"\} (\d+)$/gm),
          wsConnections: metric(text, 'clanker_ws_connections'),
        };
        samples.push(sample);
        opts.log(`  t=${sample.t}s rss=${sample.rssMb} MB heap=${sample.heapUsedMb} MB lag mean/p99=${sample.lagMeanMs}/${sample.lagP99Ms} ms turns=${sample.turns} errors=${sample.clientErrors} 5xx=${sample.http5xx} ws=${sample.wsConnections}`);
        if (Date.now() - started >= opts.seconds * 1000) stop.abort();
      }
    };
    await sampler();
    await load.done;
  } finally {
    stop.abort();
    await gw.kill();
    await model.close();
  }
  const rss = trend(samples.map((s) => ({ t: s.t, v: s.rssMb })));
  const last = samples[samples.length - 1];
  const seconds = last?.t ?? opts.seconds;
  const turnRate = last ? last.turns / Math.max(1, seconds) : 0;
  const { log: _log, ...options } = opts;
  return {
    tables: [{
      title: 'Soak samples (gateway process)',
      columns: ['t (s)', 'RSS (MB)', 'heap used (MB)', 'lag mean (ms)', 'lag p99 (ms)', 'turns', 'client errors', 'HTTP 5xx', 'WS connections'],
      rows: samples.map((s) => [s.t, s.rssMb, s.heapUsedMb, s.lagMeanMs, s.lagP99Ms, s.turns, s.clientErrors, s.http5xx, s.wsConnections]),
    }],
    targets: [
      { target: 'RSS levels off (last-third slope ≤ 25% of the first third, or ≤ 1 MB/min)', measured: `first third ${rss.firstPerMin.toFixed(2)} MB/min, last third ${rss.lastPerMin.toFixed(2)} MB/min`, met: samples.length >= 6 ? rss.levelsOff : null },
      { target: 'no client errors under steady load', measured: `${counts.errors} errors in ${counts.wsTurns + counts.httpTurns} turns`, met: counts.errors === 0 },
    ],
    notes: [
      `${seconds} s of load: ${counts.wsTurns} WS + ${counts.httpTurns} HTTP turns (${turnRate.toFixed(1)}/s answered), ${counts.events} events to ${opts.subscribers} subscribers, ${counts.churned} short-lived connections`,
      ...counts.errorSamples.map((e) => `error: ${e}`),
    ],
    data: { options, samples, rss, counts },
  };
}

/** `npm run bench -- soak` (10 minutes; `--quick`: 30 s), with the standalone defaults. */
export const soak: Scenario = {
  name: 'soak',
  title: 'soak: steady mixed load, does RSS level off?',
  run: (opts) => {
    const seconds = opts.quick ? 30 : 600;
    return runSoak({ seconds, rate: 20, subscribers: 10, churnPerSec: 5, sampleSeconds: Math.max(2, Math.round(seconds / 60)), log: opts.log });
  },
};

function parseArgs(argv: string[]): Omit<SoakOptions, 'log'> {
  const num = (name: string, def: number): number => {
    const i = argv.indexOf(`--${name}`);
    const v = i >= 0 ? Number(argv[i + 1]) : def;
    if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} must be a positive number`);
    return v;
  };
  const seconds = argv.includes('--quick') ? 30 : num('seconds', 300);
  return { seconds, rate: num('rate', 20), subscribers: num('subscribers', 10), churnPerSec: num('churn', 5), sampleSeconds: num('sample', Math.max(2, Math.round(seconds / 60))) };
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const report = await runSoak({ ...options, log: (m) => console.log(m) });
  mkdirSync(RESULTS, { recursive: true });
  const file = join(RESULTS, 'soak.json');
  writeFileSync(file, JSON.stringify({ scenario: 'soak', command: `node dist/bench/soak.js ${process.argv.slice(2).join(' ')}`.trim(), startedAt: new Date().toISOString(), ...report }, null, 2) + '\n');
  for (const t of report.targets) console.log(`${t.met === null ? 'n/a ' : t.met ? 'MET ' : 'MISS'} ${t.target}: ${t.measured}`);
  for (const n of report.notes) console.log(n);
  console.log(`wrote ${file}`);
  if (report.targets.some((t) => t.met === false)) process.exitCode = 1;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
