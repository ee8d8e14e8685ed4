// Test actor: answers `test.echo` at once and `test.slow` after options.delayMs; for runtime tests and bench/actors.
import { threadId } from 'node:worker_threads';
import { Type } from '@sinclair/typebox';
import { untilAborted, type ActorMain } from '../../../src/actors/actor.js';
import { Empty } from '../../../src/actors/messages.js';

export const EchoPayload = Type.Object({ text: Type.String() });

function delayOf(options: unknown): number {
  const ms = (options as { delayMs?: unknown } | null)?.delayMs;
  return typeof ms === 'number' && ms >= 0 ? ms : 1000;
}

const echoActor: ActorMain = async (ctx) => {
  const delayMs = delayOf(ctx.options);
  const timers = new Set<NodeJS.Timeout>();
  ctx.mailbox.handle('test.echo', EchoPayload, (p) => ({ text: p.text, thread: threadId }));
  ctx.mailbox.handle('test.slow', Empty, () => new Promise((resolve) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      resolve({ waited: delayMs });
    }, delayMs);
    timers.add(timer);
  }));
  ctx.setState('up', undefined, { thread: threadId });
  await untilAborted(ctx.signal);
  for (const timer of timers) clearTimeout(timer);
};

export default echoActor;
