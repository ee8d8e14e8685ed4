// Runs the autocannon CLI (a devDependency) as its own process and reads its JSON report.
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const CLI = join(dirname(require.resolve('autocannon/package.json')), 'autocannon.js');

export interface AutocannonRun { url: string; body: string; connections: number; durationS?: number; amount?: number }

export interface AutocannonResult {
  reqPerSec: number;
  total: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  latency: { p50: number; p90: number; p99: number; p999: number; max: number; mean: number };
  statusCodes: Record<string, number>;
}

interface Report {
  requests: { average: number; total: number };
  latency: { p50: number; p90: number; p99: number; p99_9?: number; max: number; average: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodeStats?: Record<string, { count: number }>;
}

export function runAutocannon(r: AutocannonRun): Promise<AutocannonResult> {
  const args = [CLI, '-j', '-m', 'POST', '-H', 'content-type=application/json', '-b', r.body, '-c', String(r.connections),
    ...(r.amount !== undefined ? ['-a', String(r.amount)] : ['-d', String(r.durationS ?? 5)]), r.url];
  const limitMs = (r.durationS ?? 60) * 1000 + 60_000;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { timeout: limitMs, maxBuffer: 16 * 2 ** 20 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`autocannon failed: ${err.message}\n${stderr.slice(-500)}`));
      const report = JSON.parse(stdout) as Report;
      resolve({
        reqPerSec: report.requests.average,
        total: report.requests.total,
        non2xx: report.non2xx,
        errors: report.errors,
        timeouts: report.timeouts,
        latency: { p50: report.latency.p50, p90: report.latency.p90, p99: report.latency.p99, p999: report.latency.p99_9 ?? NaN, max: report.latency.max, mean: report.latency.average },
        statusCodes: Object.fromEntries(Object.entries(report.statusCodeStats ?? {}).map(([k, v]) => [k, v.count])),
      });
    });
  });
}
