// piscina entry point: starts a long-lived actor, after validating the task.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { MessagePort } from 'node:worker_threads';
import { TypeCompiler } from '../src/vendor/typebox.js';
import { ActorTask, Empty } from '../src/actors/messages.js';
import { Mailbox, firstProblem } from '../src/actors/mailbox.js';
import type { ActorMain } from '../src/actors/actor.js';
import { createLogger } from '../src/log/logger.js';
import type { LevelWithSilent } from '../src/vendor/pino.js';

const checkActorTask = TypeCompiler.Compile(ActorTask);

/** The actor whose code is running (timers, promises and mailbox handlers keep it), to name who threw. */
const currentActor = new AsyncLocalStorage<string>();

// Runs just before an uncaught exception ends this thread: the tag rides on the error to every task the pool
// rejects, so the supervisor restarts the actor that threw with backoff and its neighbours at once.
process.on('uncaughtExceptionMonitor', (err) => {
  const actor = currentActor.getStore();
  if (actor === undefined || typeof err !== 'object' || err === null) return;
  try {
    (err as { actor?: string }).actor = actor;
  } catch {
    // A frozen error stays untagged: every actor of the thread is then counted as crashed.
  }
});

function runActor(task: ActorTask): Promise<{ stopped: true }> {
  return currentActor.run(task.name, () => actorMain(task));
}

async function actorMain(task: ActorTask): Promise<{ stopped: true }> {
  const logger = createLogger({ level: task.log.level as LevelWithSilent, secrets: task.log.secrets, name: task.name });
  const mod = await import(task.module) as { default?: ActorMain };
  if (typeof mod.default !== 'function') throw new Error(`actor module ${task.module} has no default export`);
  const mailbox = new Mailbox(task.port as MessagePort, {
    capacity: task.capacity,
    name: 'main',
    self: task.name,
    onInvalid: (problem) => logger.warn({ problem }, 'invalid message from main thread'),
    onError: (err, type) => logger.error({ err, type }, 'actor handler failed'),
  });
  const stop = new AbortController();
  mailbox.handle('actor.stop', Empty, () => {
    stop.abort();
    return {};
  });
  try {
    await mod.default({
      name: task.name,
      mailbox,
      options: task.options,
      signal: stop.signal,
      logger,
      setState: (state, detail, info) => mailbox.emit('actor.state', { state, ...(detail ? { detail } : {}), ...(info ? { info } : {}) }),
    });
  } finally {
    // Let the stop reply leave before the port goes.
    await new Promise((r) => setImmediate(r));
    mailbox.close();
  }
  return { stopped: true };
}

export default async function host(task: unknown): Promise<unknown> {
  if (!checkActorTask.Check(task)) throw new Error(`invalid worker task: ${firstProblem(checkActorTask, task)}`);
  return runActor(task);
}
