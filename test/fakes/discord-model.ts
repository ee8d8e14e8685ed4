/** The fake Discord's shared world (ids, users, guilds, channels, messages) and the wire objects built from it. */

export interface FakeDiscordUser { id: string; username: string; bot?: boolean }

/** One REST request as the fake saw it; `route` is the matched route key (null when unknown), `status` what it answered. */
export interface DiscordRestCall { method: string; path: string; route: string | null; status: number; body: unknown; at: number }

/** Current state of a message the bot sent through REST. */
export interface BotMessage { id: string; channel_id: string; content: string; allowed_mentions?: unknown; edited: boolean }

/** The bot's answer to an interaction (POST /interactions/:id/:token/callback). */
export interface InteractionResponse { id: string; type: unknown; data: unknown }

export interface FakeChannel { id: string; type: 0 | 1; guildId: string | null; name: string; recipient: FakeDiscordUser | null }
export interface FakeGuild { id: string; name: string; channelIds: string[] }

export interface StoredMessage {
  id: string;
  channelId: string;
  guildId: string | null;
  author: FakeDiscordUser;
  content: string;
  mentions: FakeDiscordUser[];
  embeds: unknown[];
  nonce: unknown;
  timestamp: string;
  editedTimestamp: string | null;
}

/** Gateway intent bits the fake honours when it filters message events. */
export const Intent = { Guilds: 1, GuildMessages: 1 << 9, DirectMessages: 1 << 12, MessageContent: 1 << 15 } as const;

const DISCORD_EPOCH = 1420070400000n;

export class DiscordWorld {
  readonly guilds = new Map<string, FakeGuild>();
  readonly channels = new Map<string, FakeChannel>();
  readonly users = new Map<string, FakeDiscordUser>();
  readonly stored = new Map<string, StoredMessage>();
  readonly botMessages: BotMessage[] = [];
  readonly interactions = new Map<string, FakeInteraction>();
  readonly interactionResponses: InteractionResponse[] = [];
  readonly botUser: FakeDiscordUser;
  readonly applicationId: string;
  readonly joinedAt = new Date().toISOString();
  #lastId = 0n;

  constructor() {
    this.botUser = { id: this.snowflake(), username: 'clanker-test-bot', bot: true };
    this.users.set(this.botUser.id, this.botUser);
    this.applicationId = this.snowflake();
  }

  /** A fresh, strictly increasing snowflake; always a string because ids exceed 2^53. */
  snowflake(): string {
    const fromClock = (BigInt(Date.now()) - DISCORD_EPOCH) << 22n;
    this.#lastId = fromClock > this.#lastId ? fromClock : this.#lastId + 1n;
    return this.#lastId.toString();
  }

  addGuild(name: string, channelName: string): { guildId: string; channelId: string } {
    const guildId = this.snowflake();
    const channelId = this.snowflake();
    this.guilds.set(guildId, { id: guildId, name, channelIds: [channelId] });
    this.channels.set(channelId, { id: channelId, type: 0, guildId, name: channelName, recipient: null });
    return { guildId, channelId };
  }

  /** The DM channel with `user`, created on first use (or under `channelId` when given). */
  dmChannelFor(user: FakeDiscordUser, channelId?: string): FakeChannel {
    this.users.set(user.id, user);
    for (const ch of this.channels.values()) {
      if (ch.type === 1 && ch.recipient?.id === user.id && (channelId === undefined || ch.id === channelId)) return ch;
    }
    const ch: FakeChannel = { id: channelId ?? this.snowflake(), type: 1, guildId: null, name: '', recipient: user };
    this.channels.set(ch.id, ch);
    return ch;
  }

  storeMessage(m: Omit<StoredMessage, 'id' | 'timestamp' | 'editedTimestamp'>): StoredMessage {
    const stored: StoredMessage = { ...m, id: this.snowflake(), timestamp: new Date().toISOString(), editedTimestamp: null };
    this.stored.set(stored.id, stored);
    return stored;
  }
}

export function userPayload(u: FakeDiscordUser): Record<string, unknown> {
  return {
    id: u.id, username: u.username, discriminator: '0', global_name: u.username, avatar: null, public_flags: 0,
    ...(u.bot === true && { bot: true }),
  };
}

export function channelPayload(ch: FakeChannel): Record<string, unknown> {
  if (ch.type === 1) {
    return { id: ch.id, type: 1, last_message_id: null, flags: 0, recipients: ch.recipient ? [userPayload(ch.recipient)] : [] };
  }
  return {
    id: ch.id, type: 0, guild_id: ch.guildId, name: ch.name, position: 0, permission_overwrites: [], nsfw: false,
    topic: null, last_message_id: null, rate_limit_per_user: 0, parent_id: null, flags: 0,
  };
}

function memberPayload(world: DiscordWorld, user?: FakeDiscordUser): Record<string, unknown> {
  return {
    ...(user && { user: userPayload(user) }), roles: [], joined_at: world.joinedAt, deaf: false, mute: false,
    flags: 0, nick: null, avatar: null, premium_since: null, pending: false,
  };
}

/** A full GUILD_CREATE `d`: enough for discord.js to cache the guild, its @everyone role, channels and the bot member. */
export function guildCreatePayload(world: DiscordWorld, g: FakeGuild): Record<string, unknown> {
  const channels = g.channelIds.flatMap((id) => {
    const ch = world.channels.get(id);
    return ch ? [channelPayload(ch)] : [];
  });
  return {
    id: g.id, name: g.name, icon: null, splash: null, discovery_splash: null, owner_id: world.botUser.id,
    afk_channel_id: null, afk_timeout: 300, verification_level: 0, default_message_notifications: 0,
    explicit_content_filter: 0, features: [], mfa_level: 0, application_id: null, system_channel_id: g.channelIds[0] ?? null,
    system_channel_flags: 0, rules_channel_id: null, vanity_url_code: null, description: null, banner: null,
    premium_tier: 0, premium_subscription_count: 0, preferred_locale: 'en-US', public_updates_channel_id: null,
    nsfw_level: 0, premium_progress_bar_enabled: false, safety_alerts_channel_id: null,
    roles: [{
      id: g.id, name: '@everyone', color: 0, hoist: false, icon: null, unicode_emoji: null, position: 0,
      permissions: '1071698660929', managed: false, mentionable: false, flags: 0,
    }],
    emojis: [], stickers: [], joined_at: world.joinedAt, large: false, unavailable: false, member_count: 1,
    voice_states: [], members: [memberPayload(world, world.botUser)], channels, threads: [], presences: [],
    stage_instances: [], guild_scheduled_events: [], soundboard_sounds: [],
  };
}

/**
 * A Message object. `gateway` adds what only the gateway event carries (guild_id, member, channel_type);
 * `withContent` false blanks the content as Discord does without the MESSAGE_CONTENT intent.
 */
export function messagePayload(world: DiscordWorld, m: StoredMessage, gateway: boolean, withContent = true): Record<string, unknown> {
  const extra: Record<string, unknown> = {};
  if (gateway && m.guildId !== null) {
    extra.guild_id = m.guildId;
    extra.member = memberPayload(world);
  }
  if (gateway && m.guildId === null) extra.channel_type = 1;
  if (m.nonce !== undefined && m.nonce !== null) extra.nonce = m.nonce;
  return {
    id: m.id, channel_id: m.channelId, author: userPayload(m.author), content: withContent ? m.content : '',
    timestamp: m.timestamp, edited_timestamp: m.editedTimestamp, tts: false, mention_everyone: false,
    mentions: m.mentions.map(userPayload), mention_roles: [], attachments: [], embeds: withContent ? m.embeds : [],
    components: [], pinned: false, type: 0, flags: 0, ...extra,
  };
}

export interface FakeInteraction { id: string; token: string; user: FakeDiscordUser; channel: FakeChannel; commandName: string }

/** An INTERACTION_CREATE `d` for a chat-input (slash) command, as Discord sends it in a server or a DM. */
export function interactionPayload(world: DiscordWorld, i: FakeInteraction): Record<string, unknown> {
  const inGuild = i.channel.guildId !== null;
  return {
    id: i.id, application_id: world.applicationId, type: 2, token: i.token, version: 1,
    data: { id: world.snowflake(), name: i.commandName, type: 1 },
    channel_id: i.channel.id, channel: channelPayload(i.channel),
    app_permissions: '1071698660929', locale: 'en-US', entitlements: [],
    authorizing_integration_owners: inGuild ? { 0: i.channel.guildId } : { 1: i.user.id },
    context: inGuild ? 0 : 1,
    ...(inGuild
      ? { guild_id: i.channel.guildId, guild_locale: 'en-US', member: { ...memberPayload(world, i.user), permissions: '1071698660929' } }
      : { user: userPayload(i.user) }),
  };
}

/** Whether a session with `intents` receives `m`, and whether it sees its content (Discord's intent rules). */
export function messageVisibility(world: DiscordWorld, m: StoredMessage, intents: number): { deliver: boolean; withContent: boolean } {
  const isDm = m.guildId === null;
  const deliver = (intents & (isDm ? Intent.DirectMessages : Intent.GuildMessages)) !== 0;
  const botId = world.botUser.id;
  const withContent = (intents & Intent.MessageContent) !== 0 || isDm || m.author.id === botId
    || m.mentions.some((u) => u.id === botId);
  return { deliver, withContent };
}
