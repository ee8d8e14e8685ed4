// The discord.js client the channel needs, and the gateway state it reports (up/degraded/down plus /api/status info).
import { Client, Events, GatewayIntentBits, Options, Partials, type MessageMentionOptions } from '../../vendor/discord.js';
import type { ActorContext } from '../../actors/actor.js';

/**
 * No pings from model text at all: not @everyone/@here, not roles, and not users either, because a reply can
 * echo any `<@id>` a user asked for and ping people who never talked to the bot. The asker is still notified
 * through the reply reference (repliedUser). Set on the client, so edits carry it too.
 */
export const ALLOWED_MENTIONS: MessageMentionOptions = { parse: [], repliedUser: true };

/**
 * The REST client's request function: Node's own fetch (undici, built in), so the vendor bundle leaves npm undici
 * out (scripts/vendor-shims/undici.cjs). fetch rejects a failed connection with a bare "fetch failed"; the socket's
 * error is thrown instead, so the REST client retries an ECONNRESET and logs name ECONNREFUSED and the like.
 */
export async function restRequest(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (err) {
    throw err instanceof TypeError && err.cause instanceof Error ? err.cause : err;
  }
}

/** Users, and members, the client keeps at most: authors are cached as they first write, the oldest dropped first. */
export const CACHED_USERS_MAX = 500;

/**
 * discord.js keeps the last 200 messages of every channel it sees and every user and member who ever wrote,
 * so a bot in busy servers would grow without bound. The channel reads each message from its own event and
 * replies and edits by id, so the client keeps no messages and at most CACHED_USERS_MAX users and members
 * (the bot itself always). DM channels stay cached, one per user who writes to the bot: discord.js does not
 * support limiting the channel cache.
 */
const CACHE = Options.cacheWithLimits({
  ...Options.DefaultMakeCacheSettings,
  MessageManager: 0,
  UserManager: { maxSize: CACHED_USERS_MAX, keepOverLimit: (user) => user.id === user.client.user.id },
  GuildMemberManager: { maxSize: CACHED_USERS_MAX, keepOverLimit: (member) => member.id === member.client.user.id },
});

export function createDiscordClient(apiBase: string): Client {
  return new Client({
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.MessageContent, GatewayIntentBits.DirectMessages],
    // DM channels are not cached before their first message; without this their messages are dropped.
    partials: [Partials.Channel],
    rest: { api: apiBase, makeRequest: restRequest },
    makeCache: CACHE,
    allowedMentions: ALLOWED_MENTIONS,
  });
}

export type ShardStatus = 'connecting' | 'ready' | 'reconnecting' | 'disconnected';

/** Why a client stopped for good; `fatal` ones are not retried (a new login cannot fix them). */
export interface Lost { detail: string; fatal: boolean }

const CLOSE_DETAILS: Record<number, Lost> = {
  4004: { detail: 'Discord rejected the bot token (channels.discord.bot_token)', fatal: true },
  4013: { detail: 'Discord refused the gateway intents', fatal: false },
  4014: { detail: 'Discord refused the Message Content intent: enable it for the bot in the Developer Portal (Bot → Privileged Gateway Intents)', fatal: false },
};

/** Tracks the current client's gateway and reports it through setState. */
export class GatewayState {
  private status: ShardStatus = 'connecting';
  private reconnects = 0;
  private client: Client | undefined;

  constructor(private readonly setState: ActorContext['setState']) {}

  info(): Record<string, unknown> {
    return {
      guilds: this.client?.guilds.cache.size ?? 0,
      ready: this.client?.isReady() ?? false,
      shard_status: this.status,
      reconnects: this.reconnects,
    };
  }

  /** Follows a fresh client; resolves when its gateway stops for good (unrecoverable close code). */
  watch(client: Client): Promise<Lost> {
    this.client = client;
    this.status = 'connecting';
    const up = (): void => {
      this.status = 'ready';
      this.setState('up', undefined, this.info());
    };
    // ShardReady comes just before the client counts as ready; ClientReady republishes with ready: true.
    client.on(Events.ShardReady, up);
    client.on(Events.ClientReady, up);
    client.on(Events.ShardResume, up);
    client.on(Events.ShardReconnecting, () => {
      this.reconnects++;
      this.status = 'reconnecting';
      this.setState('degraded', 'reconnecting to the Discord gateway', this.info());
    });
    const refresh = (): void => {
      if (this.status === 'ready') this.setState('up', undefined, this.info());
    };
    client.on(Events.GuildCreate, refresh);
    client.on(Events.GuildDelete, refresh);
    return new Promise((resolve) => {
      client.once(Events.ShardDisconnect, (event) => {
        resolve(CLOSE_DETAILS[event.code] ?? { detail: `the Discord gateway closed the connection (code ${event.code})`, fatal: false });
      });
    });
  }

  down(detail: string): void {
    this.status = 'disconnected';
    this.setState('down', detail, this.info());
  }
}
