// Scenario results: the JSON written to bench/results/<name>.json and the Markdown summary built from all of them.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MachineInfo } from './machine.js';
import { REPO_ROOT } from './server.js';

export const RESULTS_DIR = join(REPO_ROOT, 'bench/results');

export type Cell = string | number | null;
export interface Table { title: string; columns: string[]; rows: Cell[][] }
/** A target from the issue and whether this run met it; null = could not be measured here (pending). */
export interface TargetCheck { target: string; measured: string; met: boolean | null }

/** What a scenario's run() returns. */
export interface ScenarioReport {
  tables: Table[];
  targets: TargetCheck[];
  notes: string[];
  /** Set when the scenario could not run at all, with the reason (e.g. the Telegram channel is not on main yet). */
  pending?: string;
  /** Every raw figure, for anyone who wants more than the tables. */
  data: Record<string, unknown>;
}

export interface ScenarioResult extends ScenarioReport {
  scenario: string;
  title: string;
  machine: MachineInfo;
  startedAt: string;
  seconds: number;
  command: string;
  /** 1-minute load average when the scenario ended (when it started is in machine). */
  loadAvgEnd: number;
}

export function writeResult(result: ScenarioResult): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, `${result.scenario}.json`);
  writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  return file;
}

export function readResult(scenario: string): ScenarioResult | undefined {
  const file = join(RESULTS_DIR, `${scenario}.json`);
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, 'utf8')) as ScenarioResult;
}

function cell(value: Cell): string {
  if (value === null) return '–';
  if (typeof value === 'number') return Number.isFinite(value) ? value.toLocaleString('en-US', { maximumFractionDigits: 3 }) : String(value);
  return value;
}

export function renderTable(t: Table): string {
  const head = `| ${t.columns.join(' | ')} |\n|${t.columns.map(() => '---').join('|')}|\n`;
  return `**${t.title}**\n\n${head}${t.rows.map((r) => `| ${r.map(cell).join(' | ')} |`).join('\n')}\n`;
}

function mark(met: boolean | null): string {
  return met === null ? 'pending' : met ? 'met' : 'NOT met';
}

/** The Markdown summary of the given results, in order; missing scenarios are listed as not run. */
export function renderSummary(order: string[], results: Map<string, ScenarioResult>, command: string): string {
  const first = [...results.values()][0];
  const m = first?.machine;
  const out: string[] = ['# Open Clanker benchmarks', ''];
  out.push(`Command: \`${command}\``, '');
  if (m) {
    out.push(`Machine: ${m.cores} cores (${m.cpuModel}), ${m.memoryGb} GB, ${m.os}, Node ${m.node}, uWS build ${m.uws}, open-file limit ${m.fdLimit}.`);
    out.push('', `The gateway, the baselines and the load generators all run on these same ${m.cores} cores: a load generator's CPU is taken from the server it measures, so every figure is a lower bound for a server with cores of its own. Baselines run in the same suite so that ratios hold on a noisy machine.`, '');
  }
  const targets = [...results.values()].flatMap((r) => r.targets.map((t) => ({ ...t, scenario: r.scenario })));
  if (targets.length > 0) {
    out.push('## Targets', '', '| scenario | target | measured | |', '|---|---|---|---|');
    for (const t of targets) out.push(`| ${t.scenario} | ${t.target} | ${t.measured} | ${mark(t.met)} |`);
    out.push('');
  }
  for (const name of order) {
    const r = results.get(name);
    if (!r) {
      out.push(`## ${name}`, '', 'Not run.', '');
      continue;
    }
    out.push(`## ${r.title}`, '', `Run ${r.startedAt} by \`${r.command}\`, ${Math.round(r.seconds)} s, load average ${r.machine.loadAvg1m} → ${r.loadAvgEnd}.`, '');
    if (r.pending) out.push(`**Pending:** ${r.pending}`, '');
    for (const t of r.tables) out.push(renderTable(t));
    for (const n of r.notes) out.push(`- ${n}`);
    if (r.notes.length > 0) out.push('');
  }
  return out.join('\n');
}
