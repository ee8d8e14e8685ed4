// E2E helpers: run the built `clanker` CLI as a child process with a clean environment, and start/stop real gateways.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** The compiled CLI entry point (this file runs from dist/test/helpers/). */
export const CLI_PATH = fileURLToPath(new URL('../../src/cli/index.js', import.meta.url));

/** Default working directory of child processes: a folder that never holds a clanker.toml. */
const QUIET_CWD = fileURLToPath(new URL('.', import.meta.url));

const START_TIMEOUT_MS = 20_000;
const CLI_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 8_000;

/**
 * Only PATH and HOME from the parent, plus `extra`: no ANTHROPIC_API_KEY, CLANKER_*, NODE_OPTIONS or
 * anything else of the developer's leaks into a test.
 */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  if (process.env.PATH !== undefined) env.PATH = process.env.PATH;
  if (process.env.HOME !== undefined) env.HOME = process.env.HOME;
  return { ...env, ...extra };
}

/** A fresh directory under the OS temp dir; `cleanup()` removes it with everything inside. */
export async function tempDir(prefix = 'clanker-test-'): Promise<{ path: string; cleanup: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, cleanup: () => rm(path, { recursive: true, force: true }) };
}

/** A 127.0.0.1 port that nothing listens on right now (bound, read back, closed). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port assigned');
  return address.port;
}

/** Collects a child's stdout and stderr as lines, in arrival order, calling `onLine` for each. */
function captureLines(proc: ChildProcess, onLine: (line: string) => void): string[] {
  const lines: string[] = [];
  for (const stream of [proc.stdout, proc.stderr]) {
    if (!stream) continue;
    createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
      lines.push(line);
      onLine(line);
    });
  }
  return lines;
}

/** Settles once the process has exited and its output pipes are drained ('close', not 'exit'). */
function closed(proc: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => proc.once('close', (code, signal) => resolve({ code, signal })));
}

/** Waits for `done` or `ms`, whichever comes first; true when `done` won. */
async function within(done: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => { timer = setTimeout(() => resolve(false), ms); });
  try {
    return await Promise.race([done.then(() => true as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export interface CliResult { code: number | null; stdout: string; stderr: string }

/**
 * Runs `clanker <args>` to completion with a clean environment (see cleanEnv) and returns its output.
 * `input` is piped to its stdin, then EOF (without it stdin is at EOF at once). Rejects, after killing it, when
 * it runs longer than `timeoutMs` (default 10 s).
 */
export async function runCli(args: string[], opts: { env?: Record<string, string>; cwd?: string; timeoutMs?: number; input?: string } = {}): Promise<CliResult> {
  const proc = spawn(process.execPath, [CLI_PATH, ...args], { cwd: opts.cwd ?? QUIET_CWD, env: cleanEnv(opts.env), stdio: ['pipe', 'pipe', 'pipe'] });
  proc.stdin.end(opts.input);
  let stdout = '';
  let stderr = '';
  proc.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
  proc.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
  // 'close' (not 'exit') so both pipes are fully read.
  const closed = new Promise<number | null>((resolve, reject) => {
    proc.once('error', reject);
    proc.once('close', (code) => resolve(code));
  });
  if (!(await within(closed, opts.timeoutMs ?? CLI_TIMEOUT_MS))) {
    proc.kill('SIGKILL');
    await closed.catch(() => undefined);
    throw new Error(`clanker ${args.join(' ')} did not finish in time\nstdout:\n${stdout}\nstderr:\n${stderr}`);
  }
  return { code: await closed, stdout, stderr };
}

export interface RunningGateway {
  /** Base URL read from the "gateway listening" log line, e.g. http://127.0.0.1:40123. */
  url: string;
  port: number;
  proc: ChildProcess;
  /** The directory used as cwd and (unless one was given) data dir; removed when the gateway stops. */
  dir: string;
  /** Every stdout and stderr line so far, in arrival order. */
  lines(): string[];
  /** Sends `signal` (default SIGTERM) and waits for exit; `ms` is signal-to-exit time. Kills it if it hangs. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>;
  /** SIGKILL and wait; a no-op once the process has exited. For `after` hooks. */
  kill(): Promise<void>;
}

export interface GatewayOptions {
  /** Extra arguments after `serve --port 0 --data-dir <dir>` (later flags win in cac). */
  args?: string[];
  /** Environment on top of PATH and HOME. */
  env?: Record<string, string>;
  /** Data directory; default `<temp dir>/data`. */
  dataDir?: string;
  /** Written to `<temp dir>/clanker.toml` and passed as `--config`. */
  configToml?: string;
  /**
   * Resolve on "gateway listening" (HTTP up, actors maybe still starting) or on "gateway ready"
   * (the store is up; the default). A log level above info hides the ready line: listening is used then.
   */
  until?: 'listening' | 'ready';
}

/** Parses the JSON log lines among `lines`, skipping anything else (pretty output, CLI errors). */
export function jsonLines(lines: readonly string[]): Array<Record<string, unknown>> {
  return lines.flatMap((line) => {
    try {
      const value: unknown = JSON.parse(line);
      return typeof value === 'object' && value !== null && !Array.isArray(value) ? [value as Record<string, unknown>] : [];
    } catch {
      return [];
    }
  });
}

/**
 * Spawns `clanker serve --port 0` in a fresh temp dir and resolves once it logs "gateway listening".
 * Rejects with the captured output if it exits first or does not listen within 10 s.
 */
export async function startGateway(opts: GatewayOptions = {}): Promise<RunningGateway> {
  const dir = await tempDir('clanker-gw-');
  const args = [CLI_PATH, 'serve', '--port', '0', '--data-dir', opts.dataDir ?? join(dir.path, 'data')];
  if (opts.configToml !== undefined) {
    const file = join(dir.path, 'clanker.toml');
    await writeFile(file, opts.configToml, { mode: 0o600 });
    args.push('--config', file);
  }
  args.push(...(opts.args ?? []));
  const quiet = ['warn', 'error', 'fatal', 'silent'].includes(args[args.indexOf('--log-level') + 1] ?? '');
  const until = quiet ? 'listening' : opts.until ?? 'ready';
  let onListening: (url: string) => void = () => undefined;
  const listening = new Promise<string>((resolve) => { onListening = resolve; });
  let listeningUrl = '';
  const proc = spawn(process.execPath, args, { cwd: dir.path, env: cleanEnv(opts.env), stdio: ['ignore', 'pipe', 'pipe'] });
  const lines = captureLines(proc, (line) => {
    const [entry] = jsonLines([line]);
    if (entry?.msg === 'gateway listening' && typeof entry.url === 'string') {
      listeningUrl = entry.url;
      if (until === 'listening') onListening(entry.url);
    }
    if (entry?.msg === 'gateway ready' && until === 'ready') onListening(listeningUrl);
  });
  const exit = closed(proc);

  const kill = async (): Promise<void> => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    if (proc.pid !== undefined) await exit; // a process that never spawned never exits
    await dir.cleanup();
  };

  const spawnFailed = new Promise<never>((_, reject) => proc.once('error', reject));
  const exitedEarly = exit.then(({ code, signal }): never => { throw new Error(`gateway exited (code ${code}, signal ${signal}) before listening`); });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`gateway did not log "gateway ${until}" within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
  });
  let url: string;
  try {
    url = await Promise.race([listening, spawnFailed, exitedEarly, timedOut]);
  } catch (err) {
    await kill();
    throw new Error(`${(err as Error).message}\noutput:\n${lines.join('\n')}`);
  } finally {
    clearTimeout(timer);
  }

  return {
    url,
    port: Number(new URL(url).port),
    proc,
    dir: dir.path,
    lines: () => [...lines],
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      const t0 = Date.now();
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      const inTime = await within(exit, STOP_TIMEOUT_MS);
      const ms = Date.now() - t0;
      if (!inTime) {
        await kill();
        throw new Error(`gateway ignored ${signal} for ${STOP_TIMEOUT_MS} ms\noutput:\n${lines.join('\n')}`);
      }
      await dir.cleanup();
      return { ...(await exit), ms };
    },
    kill,
  };
}
