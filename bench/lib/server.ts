// Starts the systems under test as child processes: the gateway through its real CLI, and the two baselines.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuTimeMs, rssOf } from './machine.js';
import { percentile } from './stats.js';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CLI = join(REPO_ROOT, 'dist/src/cli/index.js');
/** Where the Docker image keeps Node and the gateway, inside its root filesystem. */
const IMAGE_NODE = '/usr/local/bin/node';
const IMAGE_CLI = '/app/dist/src/cli/index.js';
const BASELINES: Record<BaselineKind, string> = {
  'raw-uws': fileURLToPath(new URL('../baselines/raw-uws.js', import.meta.url)),
  'ws-broker': fileURLToPath(new URL('../baselines/ws-broker.js', import.meta.url)),
};
const DURABLE_ECHO = fileURLToPath(new URL('../baselines/durable-echo.js', import.meta.url));

/** A RAM-backed directory when the machine has one. */
export const TMPFS = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();

export type BaselineKind = 'raw-uws' | 'ws-broker';
export type TargetKind = 'gateway' | BaselineKind;
/** Who a ServerProcess is, in error messages. */
type ProcessKind = TargetKind | 'durable-echo';

export interface ServerProcess {
  kind: ProcessKind;
  url: string;
  pid: number;
  /** performance.now() of this process when the child was spawned, and when it said it was listening. */
  spawnedAt: number;
  listeningAt: number;
  /** CPU time used by the process so far, ms. */
  cpuMs(): number;
  rss(): number;
  /** The last lines the process wrote, for error messages. */
  tail(): string;
  stop(): Promise<void>;
}

export interface GatewayOptions {
  /** Extra TOML appended to the generated config file (channel sections). */
  toml?: string;
  env?: Record<string, string>;
  /** Node flags such as --max-old-space-size. */
  nodeArgs?: string[];
  /** Keep the data directory on tmpfs (/dev/shm), where a flush to disk costs nothing: isolates the gateway from its disk. */
  tmpfs?: boolean;
  /** Write a V8 CPU profile of the gateway into this directory when it exits. */
  profileDir?: string | undefined;
  /**
   * The Docker image's root filesystem (`REHEARSAL_KEEP=1 npm run test:image` keeps one): the gateway then runs
   * there with `chroot`, on the image's Node and build, its config and data under the root's /tmp.
   */
  rootfs?: string | undefined;
  startTimeoutMs?: number;
}

const KEY_VARS = ['ANTHROPIC_API_KEY', 'OPENAI_API_KEY', 'TELEGRAM_BOT_TOKEN', 'DISCORD_BOT_TOKEN', 'CLANKER_CONFIG'];
/**
 * Set by some machines (CI sandboxes, corporate proxies) for other tools. Node 20 reads and parses the whole bundle
 * before any JavaScript runs (~90 ms and ~2 MB for a 220 KB bundle, in every process; Node 24 loads it on first
 * TLS use): it would measure the machine, not the server. footprint reports Node's own start with and without it.
 */
export const MACHINE_VARS = ['NODE_EXTRA_CA_CERTS'];

/** This process's environment without the gateway's settings and keys (the config file says what it runs with) or MACHINE_VARS. */
export function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('CLANKER_') || KEY_VARS.includes(key) || MACHINE_VARS.includes(key)) delete env[key];
  return { ...env, ...extra };
}

/** The command that runs Node for the gateway: this Node, or the image's Node inside `rootfs`. */
export function gatewayNode(rootfs?: string): string[] {
  return rootfs ? ['chroot', rootfs, IMAGE_NODE] : [process.execPath];
}

/** `node --version` of gatewayNode(rootfs). */
export function gatewayNodeVersion(rootfs?: string): string {
  const [command, ...args] = gatewayNode(rootfs) as [string, ...string[]];
  return execFileSync(command, [...args, '--version'], { encoding: 'utf8', timeout: 10_000 }).trim();
}

/** Spawns `argv` (Node and its arguments) and resolves once it logs a line with a `url`; the line is JSON (pino or the baselines). */
function launch(kind: ProcessKind, argv: string[], env: NodeJS.ProcessEnv, timeoutMs: number, cleanup: () => void): Promise<ServerProcess> {
  const spawnedAt = performance.now();
  const child: ChildProcess = spawn(argv[0] as string, argv.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const keep = (line: string): void => {
    if (line.trim() === '') return;
    lines.push(line);
    if (lines.length > 50) lines.splice(0, lines.length - 50);
  };
  let partial = '';
  /** Splits the output into whole lines; returns those completed by this chunk. */
  const feed = (chunk: Buffer): string[] => {
    const parts = (partial + chunk.toString()).split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) keep(line);
    return parts;
  };
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const tail = (): string => lines.slice(-10).join('\n');
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 8000);
      await exited;
      clearTimeout(timer);
    }
    cleanup();
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`${kind} did not start within ${timeoutMs} ms:\n${tail()}`));
    }, timeoutMs);
    let found = false;
    const onData = (chunk: Buffer): void => {
      for (const line of feed(chunk)) {
        const url = found ? undefined : /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(line)?.[1];
        if (url === undefined) continue;
        found = true;
        clearTimeout(timer);
        resolve({ kind, url, pid: child.pid as number, spawnedAt, listeningAt: performance.now(), rss: () => rssOf(child.pid as number), cpuMs: () => cpuTimeMs(child.pid as number), tail, stop });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => { for (const line of chunk.toString().split('\n')) keep(line); });
    child.once('exit', (code, signal) => {
      if (found) return;
      clearTimeout(timer);
      cleanup();
      reject(new Error(`${kind} exited (${code ?? signal}) before listening:\n${tail()}`));
    });
  });
}

/** The gateway as a user runs it: `clanker serve --port 0` with the echo agent, no rate limit, a fresh data dir. */
export async function spawnGateway(opts: GatewayOptions = {}): Promise<ServerProcess & { dataDir: string }> {
  const { rootfs } = opts;
  if (rootfs && (opts.tmpfs || opts.profileDir)) throw new Error('a gateway in a root filesystem keeps its data under that root: no tmpfs, no profile');
  const dir = mkdtempSync(join(rootfs ? join(rootfs, 'tmp') : opts.tmpfs ? TMPFS : tmpdir(), 'clanker-bench-'));
  /** A path as the gateway sees it. */
  const seen = (path: string): string => (rootfs ? `/${relative(rootfs, path)}` : path);
  const config = join(dir, 'clanker.toml');
  writeFileSync(config, `[server]\nhost = "127.0.0.1"\nport = 0\nrate_limit_per_minute = 0\n\n[agent]\nprovider = "echo"\n\n${opts.toml ?? ''}`);
  const prof = opts.profileDir ? ['--cpu-prof', '--cpu-prof-dir', opts.profileDir] : [];
  const argv = [...gatewayNode(rootfs), ...prof, ...(opts.nodeArgs ?? []), rootfs ? IMAGE_CLI : CLI, 'serve', '--config', seen(config), '--data-dir', seen(join(dir, 'data'))];
  const server = await launch('gateway', argv, cleanEnv(opts.env ?? {}), opts.startTimeoutMs ?? 30_000, () => rmSync(dir, { recursive: true, force: true }));
  return { ...server, dataDir: join(dir, 'data') };
}

export function spawnBaseline(kind: BaselineKind, nodeArgs: string[] = []): Promise<ServerProcess> {
  return launch(kind, [process.execPath, ...nodeArgs, BASELINES[kind]], cleanEnv({}), 15_000, () => undefined);
}

/** The ws-chat floor (bench/baselines/durable-echo.ts), its data in a fresh directory on tmpfs or disk. */
export async function spawnDurableEcho(storage: 'tmpfs' | 'disk'): Promise<ServerProcess & { dataDir: string }> {
  const dir = mkdtempSync(join(storage === 'tmpfs' ? TMPFS : tmpdir(), 'clanker-floor-'));
  const server = await launch('durable-echo', [process.execPath, DURABLE_ECHO, dir], cleanEnv({}), 15_000, () => rmSync(dir, { recursive: true, force: true }));
  return { ...server, dataDir: dir };
}

export function spawnTarget(kind: TargetKind): Promise<ServerProcess> {
  return kind === 'gateway' ? spawnGateway() : spawnBaseline(kind);
}

/** Polls GET {url}{path} until it answers 200; resolves with performance.now() of that answer. */
export async function waitFor200(url: string, path: string, timeoutMs: number, everyMs = 5): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  let last = '';
  while (performance.now() < deadline) {
    try {
      const res = await fetch(url + path, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.status === 200) return performance.now();
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`${url}${path} did not answer 200 within ${timeoutMs} ms (last: ${last})`);
}

export async function getJson(url: string): Promise<unknown> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}`);
  return res.json();
}

/** Median ms from spawning `node -e 0` to its exit over `runs`: Node's own start, the floor under start → /ready. */
export async function nodeStartMs(runs: number, env: NodeJS.ProcessEnv, node: readonly string[] = [process.execPath]): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const child = spawn(node[0] as string, [...node.slice(1), '-e', '0'], { env, stdio: 'ignore' });
    await new Promise((resolve, reject) => { child.once('exit', resolve); child.once('error', reject); });
    times.push(performance.now() - started);
  }
  return percentile(times.sort((a, b) => a - b), 50);
}
