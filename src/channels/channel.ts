// What every channel actor gets from the main thread: inbound persistence, store writes and session commands.
import type { Mailbox } from '../actors/mailbox.js';
import { InboundMessage, SessionRef, StoreWrite, type InboundAccepted, type SessionInfo } from '../actors/messages.js';
import type { Router } from '../actors/router.js';
import type { StoreClient } from '../store/client.js';
import type { Config } from '../config/schema.js';
import { AppError } from '../errors.js';

/** Store ops a channel may ask for; turns and answers only go through the router. */
const CHANNEL_OPS = new Set(['offset', 'pairing.create', 'allow.add']);

/** Registers the main thread's side of the channel protocol on a channel actor's mailbox. */
export function wireChannel(mailbox: Mailbox, router: Router, store: StoreClient, config: Config): void {
  mailbox.handle('channel.inbound', InboundMessage, async (msg): Promise<InboundAccepted> => {
    const { seq, duplicate } = await router.accept(msg);
    return { accepted: true, duplicate, seq };
  });
  mailbox.handle('store.write', StoreWrite, async ({ ops }) => {
    const refused = ops.find((op) => !CHANNEL_OPS.has(op.op));
    if (refused) throw new AppError('forbidden', `channels may not write ${refused.op}`);
    return { results: await store.write(ops) };
  });
  mailbox.handle('session.reset', SessionRef, async ({ session }) => {
    await store.reset(session);
    return {};
  });
  mailbox.handle('session.info', SessionRef, ({ session }): SessionInfo => {
    const s = store.read.session(session);
    return {
      provider: config.agent.provider,
      model: config.agent.model,
      turns: s?.turns ?? 0,
      usage: s?.usage ?? { input: 0, output: 0 },
      usageToday: store.read.usageSessionDay(session),
    };
  });
}

/** Options every channel actor receives besides its own config section. */
export interface ChannelActorBase {
  store: { dataDir: string; mapSizeMb: number };
}
