// Test actor that crashes its worker thread: an uncaught exception from a timer, after options.crashAfterMs or on `test.crash`.
import { threadId } from 'node:worker_threads';
import { untilAborted, type ActorMain } from '../../../src/actors/actor.js';
import { Empty } from '../../../src/actors/messages.js';
import { EchoPayload } from './echo.js';

export interface CrashingOptions {
  /** Crash this long after reporting up, on every start (a crash loop); absent: only on `test.crash`. */
  crashAfterMs?: number;
}

function crashLater(ms: number, why: string): NodeJS.Timeout {
  // Thrown from a timer, outside any handler's promise: nothing catches it, so the worker thread dies.
  return setTimeout(() => {
    throw new Error(`deliberate crash (${why})`);
  }, ms);
}

const crashingActor: ActorMain = async (ctx) => {
  const { crashAfterMs } = (ctx.options ?? {}) as CrashingOptions;
  ctx.mailbox.handle('test.echo', EchoPayload, (p) => ({ text: p.text, thread: threadId }));
  ctx.mailbox.handle('test.crash', Empty, () => {
    // A moment later, so the reply leaves before the thread dies (the supervisor may notice the death first).
    crashLater(20, 'asked to');
    return {};
  });
  ctx.setState('up', undefined, { thread: threadId });
  const timer = typeof crashAfterMs === 'number' ? crashLater(crashAfterMs, `${crashAfterMs} ms after start`) : undefined;
  await untilAborted(ctx.signal);
  clearTimeout(timer);
};

export default crashingActor;
