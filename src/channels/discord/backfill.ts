// Messages sent while the bot was away (a restart, or a session Discord would not resume) are not replayed by
// the gateway: each channel's history after the last message taken is read and handled like live messages
// (the store's dedupe keeps any that did arrive from being answered twice).
import type { Client, Message } from '../../vendor/discord.js';
import type { Logger } from '../../log/logger.js';
import type { StoreReader } from '../../store/store.js';

/** Offsets key prefix: `discord:after:<channel id>` holds the id of the last message taken there. */
export const CURSOR_PREFIX = 'discord:after:';
/** Older messages are left alone: an answer a day late is noise, and Telegram keeps updates a day too. */
const MAX_AGE_MS = 24 * 3_600_000;
/** Messages read per channel (one REST call); a longer absence loses the rest, logged. */
const PAGE = 100;

const bySnowflake = (a: Message, b: Message): number => (BigInt(a.id) < BigInt(b.id) ? -1 : BigInt(a.id) > BigInt(b.id) ? 1 : 0);

/** Reads what each known channel got since its cursor and hands it to `handle`, oldest first; resolves with how many. */
export async function backfill(client: Client, reader: StoreReader, logger: Logger, handle: (message: Message) => Promise<void>, now = Date.now()): Promise<number> {
  let handled = 0;
  for (const { key, value: after } of reader.latest().cursors(CURSOR_PREFIX)) {
    const channelId = key.slice(CURSOR_PREFIX.length);
    try {
      const channel = await client.channels.fetch(channelId);
      if (!channel?.isTextBased()) continue;
      const fetched = await channel.messages.fetch({ after, limit: PAGE });
      if (fetched.size === PAGE) logger.warn({ channelId }, `more than ${PAGE} discord messages arrived while away: only the oldest ${PAGE} are handled`);
      const missed = [...fetched.values()].filter((m) => now - m.createdTimestamp < MAX_AGE_MS).sort(bySnowflake);
      for (const message of missed) {
        await handle(message);
        handled++;
      }
    } catch (err) {
      logger.warn({ err, channelId }, 'reading the messages a discord channel got while away failed');
    }
  }
  return handled;
}
