// Helpers for tests that run real actors: module URLs of the test actors, a logger kept in memory, bounded waits.
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/log/logger.js';
import type { ActorLifecycle, ActorRef } from '../../src/actors/supervisor.js';

/** file: URL of a test actor module (compiled next to this file). */
export function testActorUrl(name: 'echo' | 'crashing' | 'flaky-channel'): string {
  return new URL(`./test-actors/${name}.js`, import.meta.url).href;
}

/** A pino logger whose JSON lines are kept in `lines` instead of going to stdout. */
export function memoryLogger(): { logger: Logger; lines: string[]; entries(): Array<Record<string, unknown>> } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer | string, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return {
    logger: createLogger({ level: 'info', secrets: [], destination }),
    lines,
    entries: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

/** Resolves once `cond()` holds; rejects naming `what` after `ms` (generous: worker threads start slowly on a loaded machine). */
export async function waitFor(cond: () => boolean | Promise<boolean>, what: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** One state change of an actor, as seen by SupervisorEvents.onState. */
export interface StateChange { actor: string; state: ActorLifecycle; detail: string | undefined; info: Record<string, unknown>; at: number }

/** Records every state change; pass `record` as the supervisor's onState. */
export function stateRecorder(): { changes: StateChange[]; record(ref: ActorRef): void; of(actor: string): StateChange[] } {
  const changes: StateChange[] = [];
  return {
    changes,
    record: (ref) => changes.push({ actor: ref.name, state: ref.state, detail: ref.detail, info: { ...ref.info }, at: Date.now() }),
    of: (actor) => changes.filter((c) => c.actor === actor),
  };
}
