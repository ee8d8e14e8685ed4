// Messages coming in from Discord: filtered by route.ts, then handed to the main thread, answered as a reset, or paired.
import type { Message } from '../../vendor/discord.js';
import type { Logger } from '../../log/logger.js';
import type { Mailbox } from '../../actors/mailbox.js';
import type { InboundAccepted, InboundMessage } from '../../actors/messages.js';
import type { StoreReader } from '../../store/store.js';
import type { DiscordOutbound } from './outbound.js';
import type { Pairing } from './pairing.js';
import { routeMessage, type AccessRules } from './route.js';
import { CURSOR_PREFIX } from './backfill.js';

export const CHANNEL = 'discord';
export const NEW_CONVERSATION_TEXT = 'Started a new conversation: I have forgotten what was said in this channel before.';
const NOT_TAKEN_TEXT = 'Sorry, I could not take that message just now. Please send it again in a moment.';

/** One session per channel id; a thread is a channel of its own. */
export const sessionFor = (channelId: string): string => `${CHANNEL}:${channelId}`;

export interface InboundDeps {
  mailbox: Mailbox;
  logger: Logger;
  rules: AccessRules;
  reader: StoreReader;
  outbound: DiscordOutbound;
  pairing: Pairing;
}

export const allowedByStore = (reader: StoreReader) => (userId: string): boolean => reader.isAllowed(CHANNEL, userId);

export async function handleMessage(message: Message, deps: InboundDeps): Promise<void> {
  const botId = message.client.user.id;
  const route = routeMessage({
    authorId: message.author.id,
    authorIsBot: message.author.bot || message.system,
    botId,
    guildId: message.guildId,
    mentionsBot: message.mentions.users.has(botId),
    content: message.content,
  }, deps.rules, allowedByStore(deps.reader));
  const where = { channelId: message.channelId, guildId: message.guildId, userId: message.author.id, messageId: message.id };
  switch (route.action) {
    case 'ignore':
      if (route.reason !== 'own') deps.logger.debug({ ...where, reason: route.reason }, 'discord message ignored');
      return;
    case 'pair': {
      const reply = await deps.pairing.request({ id: message.author.id, username: message.author.username, chat: message.channelId });
      if (reply !== undefined) await deps.outbound.sendText(message.channelId, reply);
      deps.logger.info({ ...where, replied: reply !== undefined }, 'discord DM from a stranger: pairing');
      return;
    }
    case 'refuse': {
      const reply = deps.pairing.refuse(message.author.id);
      if (reply !== undefined) await deps.outbound.sendText(message.channelId, reply);
      deps.logger.info({ ...where, replied: reply !== undefined }, 'discord DM from a user not on the allow list');
      return;
    }
    case 'reset':
      await deps.mailbox.request('session.reset', { session: sessionFor(message.channelId) });
      await deps.outbound.sendText(message.channelId, NEW_CONVERSATION_TEXT);
      return;
    case 'message':
      await forward(message, route.text, deps, where);
  }
}

async function forward(message: Message, text: string, deps: InboundDeps, where: Record<string, unknown>): Promise<void> {
  const inbound: InboundMessage = {
    channel: CHANNEL,
    to: message.channelId,
    session: sessionFor(message.channelId),
    sender: { id: message.author.id, name: message.author.globalName ?? message.author.username },
    text,
    externalId: message.id,
    // Stored with the turn: after a restart the channel's history is read from here on (backfill.ts).
    offset: { key: `${CURSOR_PREFIX}${message.channelId}`, value: message.id },
    // In a busy server channel the answer is a reply, so it is clear which question it answers.
    ...(message.guildId !== null ? { replyTo: message.id } : {}),
  };
  let accepted: unknown;
  try {
    accepted = await deps.mailbox.request('channel.inbound', inbound, { timeoutMs: 15_000 });
  } catch (err) {
    // Discord does not redeliver: tell the user instead of dropping the message silently.
    deps.logger.warn({ ...where, err }, 'the gateway did not take a discord message');
    await deps.outbound.sendText(message.channelId, NOT_TAKEN_TEXT, inbound.replyTo);
    return;
  }
  const ok = accepted as InboundAccepted;
  if (ok.accepted && !ok.duplicate) deps.outbound.typing.start(message.channelId);
}
