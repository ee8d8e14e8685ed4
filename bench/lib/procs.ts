// Load generators as forked child processes (compiled bench/load/*.js) talking to the runner over IPC.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Every IPC message, both ways, is an object with a `type`. */
export interface IpcMessage { type: string; [key: string]: unknown }

export function isIpcMessage(value: unknown): value is IpcMessage {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}

/** One load process: send it commands, await its typed replies (each wait bounded). */
export class LoadProcess {
  private readonly inbox: IpcMessage[] = [];
  private readonly waiters = new Set<() => void>();
  private exitReason: string | undefined;
  private readonly exited: Promise<void>;
  /** Called for every message as it arrives (progress relays), before it is queued. */
  onMessage: ((msg: IpcMessage) => boolean | void) | undefined;

  private constructor(readonly name: string, private readonly child: ChildProcess) {
    child.on('message', (msg: unknown) => {
      if (!isIpcMessage(msg)) return;
      if (this.onMessage?.(msg) === true) return;
      this.inbox.push(msg);
      for (const wake of this.waiters) wake();
    });
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => {
      this.exitReason = `exited (${code ?? signal})`;
      for (const wake of this.waiters) wake();
      resolve();
    }));
  }

  /** Forks dist/bench/load/<name>.js with room for many sockets' worth of heap. */
  static start(name: string, execArgv: string[] = []): LoadProcess {
    const file = fileURLToPath(new URL(`../load/${name}.js`, import.meta.url));
    const child = fork(file, [], { execArgv: ['--max-old-space-size=2048', ...execArgv], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    return new LoadProcess(name, child);
  }

  get pid(): number {
    return this.child.pid as number;
  }

  send(msg: IpcMessage): void {
    if (this.child.connected) this.child.send(msg);
  }

  /** The next message of this type (earlier ones of other types stay queued); rejects after timeoutMs or on exit. */
  next(type: string, timeoutMs: number): Promise<IpcMessage> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const i = this.inbox.findIndex((m) => m.type === type || m.type === 'error');
        if (i >= 0) {
          const [msg] = this.inbox.splice(i, 1) as [IpcMessage];
          done();
          if (msg.type === 'error') reject(new Error(`${this.name}: ${String(msg.message)}`));
          else resolve(msg);
        } else if (this.exitReason !== undefined) {
          done();
          reject(new Error(`${this.name} ${this.exitReason} while waiting for "${type}"`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${this.name}: no "${type}" within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  /** Sends a request and waits for its reply type. */
  async ask(msg: IpcMessage, replyType: string, timeoutMs: number): Promise<IpcMessage> {
    this.send(msg);
    return this.next(replyType, timeoutMs);
  }

  /** Asks the process to exit, then kills it if it has not within 5 s. */
  async close(): Promise<void> {
    if (this.exitReason !== undefined) return;
    this.send({ type: 'exit' });
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await this.exited;
    clearTimeout(timer);
  }
}

/** The child side: handles commands from the runner; a thrown error is reported as an `error` message. */
export function serveCommands(handlers: Record<string, (msg: IpcMessage) => Promise<IpcMessage | void> | IpcMessage | void>, onExit: () => Promise<void> | void): void {
  const reply = (msg: IpcMessage): void => { if (process.connected) process.send?.(msg); };
  process.on('message', (msg: unknown) => {
    if (!isIpcMessage(msg)) return;
    if (msg.type === 'exit') {
      void Promise.resolve().then(onExit).finally(() => process.exit(0));
      return;
    }
    const handler = handlers[msg.type];
    if (!handler) return reply({ type: 'error', message: `unknown command ${msg.type}` });
    Promise.resolve().then(() => handler(msg)).then(
      (out) => { if (out) reply(out); },
      (err: unknown) => reply({ type: 'error', message: err instanceof Error ? err.message : String(err) }),
    );
  });
  // The runner going away ends the load process too, so nothing is left behind.
  process.on('disconnect', () => { void Promise.resolve().then(onExit).finally(() => process.exit(0)); });
}

/** Sends an unsolicited message (progress) to the runner. */
export function tell(msg: IpcMessage): void {
  if (process.connected) process.send?.(msg);
}
