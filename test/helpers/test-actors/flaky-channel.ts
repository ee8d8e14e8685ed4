// Test channel actor that crash-loops: each of its first `crashes` starts dies on the first send it gets, before sending.
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { untilAborted, type ActorMain } from '../../../src/actors/actor.js';
import { ChannelSend } from '../../../src/actors/messages.js';

export interface FlakyChannelOptions {
  /** Counts starts across restarts (each start is a fresh module instance, maybe on another thread). */
  startsFile: string;
  /** One line per delivered text, so a test can count deliveries. */
  deliveriesFile: string;
  crashes: number;
}

const flakyChannel: ActorMain = async (ctx) => {
  const opts = ctx.options as FlakyChannelOptions;
  let starts = 0;
  try { starts = Number(readFileSync(opts.startsFile, 'utf8')) || 0; } catch { /* first start */ }
  writeFileSync(opts.startsFile, String(starts + 1));
  ctx.mailbox.handle('channel.send', ChannelSend, (req) => {
    if (starts < opts.crashes) {
      // Dies before sending anything, thrown from a timer outside any handler: the worker thread goes down,
      // like a real actor's uncaught bug. (A crash after sending but before acknowledging would send twice:
      // no channel can avoid that without an idempotency key from its API.)
      return new Promise(() => setTimeout(() => { throw new Error(`deliberate crash ${starts + 1} of ${opts.crashes}`); }, 0));
    }
    appendFileSync(opts.deliveriesFile, `${JSON.stringify(req.text)}\n`);
    return { messageIds: [`m${starts}`] };
  });
  ctx.setState('up');
  await untilAborted(ctx.signal);
};

export default flakyChannel;
