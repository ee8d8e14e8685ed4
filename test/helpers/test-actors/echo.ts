// Test actor: answers `test.echo` at once and `test.slow` after payload.ms or options.delayMs; for runtime tests and bench/actors.
import { threadId } from 'node:worker_threads';
import { Type } from '../../../src/vendor/typebox.js';
import { untilAborted, type ActorMain } from '../../../src/actors/actor.js';

export const EchoPayload = Type.Object({ text: Type.String() });
const SlowPayload = Type.Object({ ms: Type.Optional(Type.Integer({ minimum: 0, maximum: 60_000 })) });

function delayOf(options: unknown): number {
  const ms = (options as { delayMs?: unknown } | null)?.delayMs;
  return typeof ms === 'number' && ms >= 0 ? ms : 1000;
}

const echoActor: ActorMain = async (ctx) => {
  const delayMs = delayOf(ctx.options);
  const timers = new Set<NodeJS.Timeout>();
  ctx.mailbox.handle('test.echo', EchoPayload, (p) => ({ text: p.text, thread: threadId }));
  ctx.mailbox.handle('test.slow', SlowPayload, (p) => new Promise((resolve) => {
    const ms = p.ms ?? delayMs;
    const timer = setTimeout(() => {
      timers.delete(timer);
      resolve({ waited: ms });
    }, ms);
    timers.add(timer);
  }));
  ctx.setState('up', undefined, { thread: threadId });
  await untilAborted(ctx.signal);
  for (const timer of timers) clearTimeout(timer);
};

export default echoActor;
