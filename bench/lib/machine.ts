// What the numbers were measured on: cores, CPU model, memory, Node version, load and the open-file limit.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem, platform, arch } from 'node:os';
import { loadUws } from '../../src/gateway/uws.js';

export interface MachineInfo {
  cores: number;
  cpuModel: string;
  memoryGb: number;
  os: string;
  node: string;
  uws: string;
  /** Soft limit of open files per process (each WebSocket client and each server connection needs one). */
  fdLimit: number;
  /** 1-minute load average when the run started: other work on the machine skews every figure. */
  loadAvg1m: number;
}

/** `ulimit -n` as children of this process inherit it; NaN when the shell cannot tell. */
export function fdLimit(): number {
  try {
    const out = execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8', timeout: 5000 }).trim();
    return out === 'unlimited' ? Infinity : Number(out);
  } catch {
    return NaN;
  }
}

export function machineInfo(): MachineInfo {
  const list = cpus();
  return {
    cores: list.length,
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    memoryGb: Math.round(totalmem() / 2 ** 30),
    os: `${platform()} ${release()} ${arch()}`,
    node: process.version,
    uws: loadUws().build,
    fdLimit: fdLimit(),
    loadAvg1m: Math.round((loadavg()[0] ?? 0) * 100) / 100,
  };
}

/** Resident memory of a process in bytes from /proc (Linux), worker threads included: anonymous (heaps) and file-backed (the node binary, native modules, LMDB's mapped pages). */
export interface Rss { total: number; anon: number; file: number }

export function rssBreakdown(pid: number): Rss {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string): number => {
    const v = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(status)?.[1];
    if (v === undefined) throw new Error(`no ${field} for pid ${pid}`);
    return Number(v) * 1024;
  };
  return { total: kb('VmRSS'), anon: kb('RssAnon'), file: kb('RssFile') };
}

export function rssOf(pid: number): number {
  return rssBreakdown(pid).total;
}

const TICKS_PER_SEC = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8', timeout: 5000 }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU time (user + system, all threads) a process has used so far, in ms; robust to other load on the machine, unlike latency. */
export function cpuTimeMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start at state; utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SEC;
}
