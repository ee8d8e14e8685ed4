// Runs commands in a root filesystem the way Docker would, with chroot inside fresh Linux namespaces.
//
// Every run gets its own mount and PID namespace (util-linux `unshare`): /proc and bind mounts
// exist only there and vanish with its last process, so nothing is left mounted on the host even
// when a step fails or the rehearsal is killed (`setpriv --pdeathsig` ties the namespace to us).
// A container also gets its own network namespace, like Docker's default bridge: it can bind
// 0.0.0.0:18789 without touching the host's ports, and probes reach it through `nsenter --net`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { killGroup, run, spawnGroup, waitFor, type RunResult } from './proc.js';

export interface Account {
  uid: number;
  gid: number;
  home: string;
}

/** Looks a user (name or uid[:gid]) up in the root filesystem's /etc/passwd, as Docker does. */
export function resolveUser(rootfs: string, user: string): Account {
  const [name = '', group] = user.split(':');
  const line = readFileSync(join(rootfs, 'etc/passwd'), 'utf8').split('\n')
    .map((l) => l.split(':'))
    .find((f) => f[0] === name || f[2] === name);
  if (!line) {
    if (/^\d+$/.test(name)) return { uid: Number(name), gid: Number(group ?? name), home: '/' };
    throw new Error(`user ${name} is not in ${rootfs}/etc/passwd`);
  }
  return { uid: Number(line[2]), gid: group === undefined ? Number(line[3]) : Number(group), home: line[5] ?? '/' };
}

function quote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export interface SandboxOptions {
  user: Account;
  cwd: string;
  env: Record<string, string>;
  /** 'host' shares the host network (build steps); 'private' is a new namespace with only lo. */
  network: 'host' | 'private';
  /** Host path → path inside the root filesystem, bind-mounted for this run only. */
  binds?: [string, string][];
  logFile?: string;
}

/** The unshare command line that enters namespaces, mounts, then chroots and execs `argv`. */
function sandboxCommand(rootfs: string, argv: readonly string[], opts: SandboxOptions): [string, string[]] {
  const r = quote(rootfs);
  const script = [
    'set -e',
    ...(opts.network === 'private' ? ['ip link set lo up'] : []),
    `mount -t proc proc ${r}/proc`,
    ...(opts.binds ?? []).map(([from, to]) => `mount --bind ${quote(from)} ${r}${quote(to)}`),
    `exec chroot --userspec=${opts.user.uid}:${opts.user.gid} --groups= ${r} ` +
      `/usr/bin/env --chdir=${quote(opts.cwd)} ${argv.map(quote).join(' ')}`,
  ].join('\n');
  const flags = ['--mount', '--pid', '--fork', '--kill-child', '--propagation', 'private'];
  if (opts.network === 'private') flags.push('--net');
  return ['setpriv', ['--pdeathsig', 'KILL', '--', 'unshare', ...flags, '--', '/bin/sh', '-c', script]];
}

/** Runs `argv` inside the root filesystem and waits for it (a `RUN` step or `docker run --rm`). */
export function sandboxRun(rootfs: string, argv: readonly string[], opts: SandboxOptions & { timeoutMs: number }):
  Promise<RunResult> {
  const [cmd, args] = sandboxCommand(rootfs, argv, opts);
  return run(cmd, args, { env: opts.env, timeoutMs: opts.timeoutMs, logFile: opts.logFile });
}

/** A running container: its init is PID 1 of its own namespaces. */
export class Container {
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output = '';

  private constructor(private readonly child: ChildProcess) {
    const collect = (chunk: Buffer) => { this.output = (this.output + chunk.toString()).slice(-200_000); };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    this.exited = new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  }

  /** Starts ENTRYPOINT + CMD like `docker run`, in private mount, PID and network namespaces. */
  static start(rootfs: string, argv: readonly string[], opts: Omit<SandboxOptions, 'network'>): Container {
    const [cmd, args] = sandboxCommand(rootfs, argv, { ...opts, network: 'private' });
    return new Container(spawnGroup(cmd, args, { env: opts.env, logFile: opts.logFile }));
  }

  /** Host PID of the container's PID 1 (what `docker stop` signals). */
  async initPid(timeoutMs = 5000): Promise<number> {
    const unsharePid = this.child.pid;
    if (unsharePid === undefined) throw new Error('container process did not start');
    return waitFor('the container init process', timeoutMs, () => {
      const first = childPids(unsharePid)[0];
      return first === undefined ? undefined : first;
    });
  }

  /** `docker stop`'s first step: SIGTERM to PID 1. */
  async signal(signal: NodeJS.Signals): Promise<void> {
    process.kill(await this.initPid(), signal);
  }

  /** Ends everything in the container at once; safe to call when it has exited already. */
  kill(): void {
    killGroup(this.child, 'SIGKILL');
  }
}

/** Direct children of a host PID, from /proc (empty when it has none or is gone). */
export function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** The real uid a host PID runs as. */
export function uidOf(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('Uid:'));
  return Number(line?.split(/\s+/)[1]);
}

/** `docker exec`: runs `argv` in all of a container's namespaces, its root and working directory. */
export function execIn(initPid: number, argv: readonly string[],
  opts: { user: Account; env: Record<string, string>; timeoutMs: number }): Promise<RunResult> {
  return run('nsenter', [
    '--target', String(initPid), '--mount', '--net', '--pid', '--root', '--wd',
    `--setuid=${opts.user.uid}`, `--setgid=${opts.user.gid}`, '--', ...argv,
  ], { env: opts.env, timeoutMs: opts.timeoutMs });
}

/** Runs a host command inside only the network namespace of a container (a client next to it). */
export function runInNetns(initPid: number, argv: readonly string[], env: NodeJS.ProcessEnv, timeoutMs: number):
  Promise<RunResult> {
  return run('nsenter', [`--net=/proc/${initPid}/ns/net`, '--', ...argv], { env, timeoutMs });
}
