/**
 * A fake Discord for tests: REST (node:http) and the JSON gateway (`ws`) on 127.0.0.1, which the real discord.js
 * client talks to via `new Client({ rest: { api: fake.api, makeRequest: restRequest } })` (restRequest from
 * src/channels/discord/connection.ts). Start it with `startFakeDiscord()`.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeGateway, GATEWAY_PATH } from './discord-gateway.js';
import {
  DiscordWorld, interactionPayload, messagePayload, messageVisibility,
  type BotMessage, type DiscordRestCall, type FakeDiscordUser, type InteractionResponse,
} from './discord-model.js';
import { FakeRest } from './discord-rest.js';

export type { BotMessage, DiscordRestCall, FakeDiscordUser, InteractionResponse } from './discord-model.js';

export interface InjectMessageOptions {
  author: FakeDiscordUser;
  content: string;
  channelId?: string;
  /** null sends a DM (to `channelId` or the author's DM channel); default is the guild of `channelId`, else `guildId`. */
  guildId?: string | null;
  /** Prefixes `<@botId> ` and lists the bot in `mentions`. */
  mentionBot?: boolean;
}

export interface InjectInteractionOptions {
  author: FakeDiscordUser;
  /** The slash command's name, e.g. 'new'. */
  commandName: string;
  channelId?: string;
  /** null: used in the author's DM channel; default: the guild of `channelId`, else the main guild's channel. */
  guildId?: string | null;
}

export interface FakeDiscord {
  /** Base for discord.js's `rest.api` option: 'http://127.0.0.1:PORT/api'. */
  api: string;
  token: string;
  botUser: FakeDiscordUser;
  applicationId: string;
  guildId: string;
  textChannelId: string;
  otherGuildId: string;
  otherChannelId: string;
  /** Every REST request, in arrival order, failed ones included. */
  restCalls: DiscordRestCall[];
  /** Current content of the messages the bot sent. */
  messages: BotMessage[];
  identifies(): number;
  resumes(): number;
  connections(): number;
  /** Dispatches MESSAGE_CREATE (subject to each session's intents) and returns the message id. */
  injectMessage(opts: InjectMessageOptions): string;
  /** Dispatches INTERACTION_CREATE for a slash command (to every session: interactions need no intent); returns its id. */
  injectInteraction(opts: InjectInteractionOptions): string;
  /** The bot's answers to interactions, in order. */
  interactionResponses: InteractionResponse[];
  /** Closes gateway sockets: abruptly by default (client resumes), or with a close `code`. */
  dropConnection(code?: number): void;
  /** While on, heartbeats go unanswered, so the client declares the connection a zombie and reconnects. */
  stopAcking(on: boolean): void;
  /** Forgets every gateway session: live ones get INVALID_SESSION, later RESUMEs too, so the client re-identifies. */
  invalidateSessions(): void;
  failNext(routeKey: string, count: number, failure: { status: number; retryAfterSec?: number }): void;
  /** Polls `pick` every 10 ms until it returns a value other than undefined/false; rejects after `timeoutMs` (default 5000). */
  waitFor<T>(pick: () => T | undefined | false, timeoutMs?: number): Promise<T>;
  close(): Promise<void>;
}

export interface StartFakeDiscordOptions { token?: string; heartbeatIntervalMs?: number }

export async function startFakeDiscord(opts: StartFakeDiscordOptions = {}): Promise<FakeDiscord> {
  const token = opts.token ?? 'fake-discord-bot-token';
  const world = new DiscordWorld();
  const main = world.addGuild('Clanker Test Guild', 'general');
  const other = world.addGuild('Other Test Guild', 'lobby');
  let port = 0;
  const wsBase = (): string => `ws://127.0.0.1:${port}`;
  const gateway = new FakeGateway(world, { token, heartbeatIntervalMs: opts.heartbeatIntervalMs ?? 1000, baseWsUrl: wsBase });
  const rest = new FakeRest(world, gateway, token, () => `${wsBase()}${GATEWAY_PATH}`);

  const server = createServer((req, res) => {
    rest.handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: '500: Internal Server Error', code: 0 }));
    });
  });
  server.on('upgrade', (req, socket, head: Buffer) => gateway.handleUpgrade(req, socket, head));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;

  const injectMessage = (o: InjectMessageOptions): string => {
    world.users.set(o.author.id, o.author);
    let channelId: string;
    let guildId: string | null;
    if (o.guildId === null) {
      channelId = world.dmChannelFor(o.author, o.channelId).id;
      guildId = null;
    } else {
      channelId = o.channelId ?? world.guilds.get(o.guildId ?? main.guildId)?.channelIds[0] ?? '';
      const channel = world.channels.get(channelId);
      if (!channel || channel.guildId === null) throw new Error(`injectMessage: no guild text channel '${channelId}'`);
      guildId = channel.guildId;
    }
    const mentionBot = o.mentionBot === true;
    const stored = world.storeMessage({
      channelId, guildId, author: o.author, content: mentionBot ? `<@${world.botUser.id}> ${o.content}` : o.content,
      mentions: mentionBot ? [world.botUser] : [], embeds: [], nonce: null,
    });
    gateway.broadcast('MESSAGE_CREATE', (intents) => {
      const { deliver, withContent } = messageVisibility(world, stored, intents);
      return deliver ? messagePayload(world, stored, true, withContent) : null;
    });
    return stored.id;
  };

  const injectInteraction = (o: InjectInteractionOptions): string => {
    world.users.set(o.author.id, o.author);
    const channel = o.guildId === null
      ? world.dmChannelFor(o.author, o.channelId)
      : world.channels.get(o.channelId ?? world.guilds.get(o.guildId ?? main.guildId)?.channelIds[0] ?? '');
    if (!channel) throw new Error(`injectInteraction: no channel '${o.channelId}'`);
    const id = world.snowflake();
    const interaction = { id, token: `fake-interaction-token-${id}`, user: o.author, channel, commandName: o.commandName };
    world.interactions.set(id, interaction);
    gateway.broadcast('INTERACTION_CREATE', () => interactionPayload(world, interaction));
    return id;
  };

  return {
    api: `http://127.0.0.1:${port}/api`,
    token,
    botUser: world.botUser,
    applicationId: world.applicationId,
    guildId: main.guildId,
    textChannelId: main.channelId,
    otherGuildId: other.guildId,
    otherChannelId: other.channelId,
    restCalls: rest.calls,
    messages: world.botMessages,
    identifies: () => gateway.counts.identifies,
    resumes: () => gateway.counts.resumes,
    connections: () => gateway.counts.connections,
    injectMessage,
    injectInteraction,
    interactionResponses: world.interactionResponses,
    dropConnection: (code) => gateway.dropConnection(code),
    stopAcking: (on) => gateway.stopAcking(on),
    invalidateSessions: () => gateway.invalidateSessions(),
    failNext: (routeKey, count, failure) => rest.failNext(routeKey, count, failure),
    waitFor,
    close: async () => {
      await gateway.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function waitFor<T>(pick: () => T | undefined | false, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = pick();
    if (value !== undefined && value !== false) return value;
    if (Date.now() >= deadline) throw new Error(`fake discord waitFor: condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
