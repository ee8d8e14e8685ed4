// Child processes for the image rehearsal: every command has a time limit and is killed with its group past it.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs: number;
  /** Appends the command's output here as well (the step log). */
  logFile?: string;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

/** Keeps the last `limit` characters of a growing text. */
function tail(text: string, limit = 20_000): string {
  return text.length > limit ? text.slice(-limit) : text;
}

/** Starts `cmd` in its own process group so a timeout can end everything it started. */
export function spawnGroup(cmd: string, args: readonly string[], opts: Omit<RunOptions, 'timeoutMs'>): ChildProcess {
  const child = spawn(cmd, args, {
    cwd: opts.cwd, env: opts.env ?? process.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (opts.logFile) {
    const log = createWriteStream(opts.logFile, { flags: 'a' });
    log.write(`\n$ ${[cmd, ...args].join(' ')}\n`);
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    child.on('close', () => log.end());
  }
  return child;
}

/** Kills a process group started by spawnGroup; quiet if it is gone already. */
export function killGroup(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already exited between the check and the kill
  }
}

/** Runs a command to its end or its time limit, collecting stdout and stderr together. */
export function run(cmd: string, args: readonly string[], opts: RunOptions): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawnGroup(cmd, args, opts);
    let output = '';
    const collect = (chunk: Buffer) => { output = tail(output + chunk.toString()); };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    let timedOut = false;
    const timer = setTimeout(() => { timedOut = true; killGroup(child); }, opts.timeoutMs);
    child.on('error', (error) => { clearTimeout(timer); reject(error); });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (timedOut) {
        reject(new Error(`timed out after ${opts.timeoutMs} ms: ${cmd} ${args.join(' ')}\n${tail(output, 4000)}`));
      } else {
        resolve({ code, signal, output });
      }
    });
  });
}

/** Like run, but a non-zero exit is an error carrying the end of the output. */
export async function runChecked(cmd: string, args: readonly string[], opts: RunOptions): Promise<string> {
  const result = await run(cmd, args, opts);
  if (result.code !== 0) {
    const how = result.signal ? `signal ${result.signal}` : `exit ${result.code}`;
    throw new Error(`${cmd} ${args.slice(0, 6).join(' ')} failed (${how}):\n${tail(result.output, 4000)}`);
  }
  return result.output;
}

/** Runs `attempt` up to `tries` times; for steps that download from mirrors that sometimes fail. */
export async function retry<T>(tries: number, what: string, attempt: (n: number) => Promise<T>): Promise<T> {
  let last: unknown;
  for (let n = 1; n <= tries; n += 1) {
    try {
      return await attempt(n);
    } catch (error) {
      last = error;
      if (n < tries) console.log(`  ${what}: attempt ${n} failed, retrying`);
    }
  }
  throw last;
}

/** A bounded wait for a condition checked every `everyMs`. */
export async function waitFor<T>(what: string, timeoutMs: number, check: () => T | undefined | Promise<T | undefined>,
  everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
