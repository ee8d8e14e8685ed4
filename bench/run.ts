// Entry of `npm run bench [-- scenario ...] [--quick] [--profile DIR] [--rootfs DIR]`: runs the scenarios, writes results and the summary.
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { machineInfo } from './lib/machine.js';
import { readResult, renderSummary, writeResult, RESULTS_DIR, type ScenarioResult } from './lib/results.js';
import type { Scenario } from './lib/scenario.js';
import { wsFanout } from './ws-fanout.js';
import { wsChat } from './ws-chat.js';
import { httpIngest } from './http-ingest.js';
import { telegramE2e } from './telegram-e2e.js';
import { footprint } from './footprint.js';
import { soak } from './soak.js';

const SCENARIOS: Scenario[] = [wsFanout, wsChat, httpIngest, telegramE2e, footprint];
/** Run only when named (`npm run bench -- soak`): they take as long as they are told to. */
const ON_REQUEST: Scenario[] = [soak];
const ALL = [...SCENARIOS, ...ON_REQUEST];

/** Scenarios that can run the gateway in the image's root filesystem; the others measure it on tmpfs. */
const ROOTFS_SCENARIOS = ['footprint'];

function parseArgs(argv: string[]): { names: string[]; quick: boolean; profileDir: string | undefined; rootfs: string | undefined } {
  const names: string[] = [];
  let quick = false;
  let profileDir: string | undefined;
  let rootfs: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--quick') quick = true;
    else if (arg === '--profile') profileDir = argv[++i];
    else if (arg === '--rootfs') {
      const dir = argv[++i];
      if (!dir) throw new Error('--rootfs needs the directory of the image\'s root filesystem (REHEARSAL_KEEP=1 npm run test:image keeps one)');
      rootfs = resolve(dir);
    }
    else names.push(arg);
  }
  return { names, quick, profileDir, rootfs };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const unknown = args.names.filter((n) => !ALL.some((s) => s.name === n));
  if (unknown.length > 0) throw new Error(`unknown scenario ${unknown.join(', ')} (expected: ${ALL.map((s) => s.name).join(', ')})`);
  const chosen = args.names.length > 0 ? ALL.filter((s) => args.names.includes(s.name)) : SCENARIOS;
  if (args.rootfs !== undefined && chosen.some((s) => !ROOTFS_SCENARIOS.includes(s.name))) {
    throw new Error(`--rootfs runs only ${ROOTFS_SCENARIOS.join(', ')}: name it (npm run bench -- footprint --rootfs DIR)`);
  }
  const command = ['npm run bench', ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(' ');
  const log = (m: string): void => console.log(m);
  const machine = machineInfo();
  log(`bench on ${machine.cores} cores (${machine.cpuModel}), Node ${machine.node}, fd limit ${machine.fdLimit}, load ${machine.loadAvg1m}`);
  if (!(machine.fdLimit >= 10_500)) log(`WARNING: open-file limit (ulimit -n) is ${machine.fdLimit}: 10,000 clients need about 10,500 per process (server and each load process); raise it with ulimit -n 20000`);
  let failed = 0;
  for (const scenario of chosen) {
    const started = performance.now();
    const startedAt = new Date().toISOString();
    const scenarioMachine = machineInfo();
    log(`\n== ${scenario.name}`);
    try {
      const report = await scenario.run({ quick: args.quick, profileDir: args.profileDir, rootfs: args.rootfs, log });
      const result: ScenarioResult = {
        scenario: scenario.name, title: scenario.title, machine: scenarioMachine, startedAt,
        seconds: (performance.now() - started) / 1000, command, loadAvgEnd: machineInfo().loadAvg1m, ...report,
      };
      log(`   wrote ${writeResult(result)}`);
    } catch (err) {
      failed++;
      log(`   ${scenario.name} failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
    }
  }
  const results = new Map<string, ScenarioResult>();
  for (const s of ALL) {
    const r = readResult(s.name);
    if (r) results.set(s.name, r);
  }
  const summary = renderSummary([...results.keys()], results, command);
  writeFileSync(join(RESULTS_DIR, 'SUMMARY.md'), summary);
  log(`\n${summary}`);
  process.exitCode = failed > 0 ? 1 : 0;
}

await main();
