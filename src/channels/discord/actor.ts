// The Discord channel actor: a discord.js client on a worker thread, reconnecting on its own, answering through the main thread.
import { setTimeout as sleep } from 'node:timers/promises';
import { DiscordjsErrorCodes, Events, type Client } from '../../vendor/discord.js';
import { untilAborted, type ActorContext } from '../../actors/actor.js';
import { ChannelSend, ChannelStream } from '../../actors/messages.js';
import { closeDbs, openDbs } from '../../store/lmdb.js';
import { StoreReader } from '../../store/store.js';
import { scrubSecrets } from '../../log/logger.js';
import { parseDiscordOptions } from './options.js';
import { GatewayState, createDiscordClient, type Lost } from './connection.js';
import { DiscordOutbound } from './outbound.js';
import { Pairing } from './pairing.js';
import { CHANNEL, handleMessage, type InboundDeps } from './inbound.js';
import { handleInteraction, registerCommands } from './commands.js';
import { backfill } from './backfill.js';

const RETRY_BASE_MS = 1000;
const RETRY_MAX_MS = 60_000;

function retryDelay(attempt: number): number {
  const step = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** Math.max(0, attempt - 1));
  return Math.round(step * (0.5 + Math.random() * 0.5));
}

const isTokenInvalid = (err: unknown): boolean =>
  err instanceof Error && 'code' in err && err.code === DiscordjsErrorCodes.TokenInvalid;

export default async function discordActor(ctx: ActorContext): Promise<void> {
  const opts = parseDiscordOptions(ctx.options);
  const { logger, signal } = ctx;
  const dbs = openDbs(opts.store.dataDir, opts.store.mapSizeMb);
  const reader = new StoreReader(dbs);
  let client: Client | undefined;
  const outbound = new DiscordOutbound(() => client, logger);
  const state = new GatewayState(ctx.setState);
  const deps: InboundDeps = {
    mailbox: ctx.mailbox, logger, rules: opts, reader, outbound,
    pairing: new Pairing(CHANNEL, reader, (ops) => ctx.mailbox.request('store.write', { ops })),
  };
  ctx.mailbox.handle('channel.send', ChannelSend, (req) => outbound.send(req));
  ctx.mailbox.on('channel.stream', ChannelStream, (ev) => outbound.stream(ev));
  const stopped = untilAborted(signal).then((): undefined => undefined);

  try {
    for (let attempt = 1; !signal.aborted; attempt++) {
      const next = createDiscordClient(opts.api_base);
      const lost = state.watch(next);
      wire(next, deps, opts.guild_id);
      client = next;
      let outcome: Lost | undefined;
      const login = next.login(opts.bot_token);
      // A stop can win the race below; a later rejection of the abandoned login must not go unhandled.
      login.catch(() => undefined);
      try {
        await Promise.race([login, stopped]);
        if (signal.aborted) break;
        attempt = 0;
        outcome = await Promise.race([lost, stopped]);
      } catch (err) {
        outcome = isTokenInvalid(err)
          ? { detail: 'Discord rejected the bot token (channels.discord.bot_token)', fatal: true }
          : { detail: `cannot reach Discord: ${scrubSecrets(err instanceof Error ? err.message : String(err), [opts.bot_token])}`, fatal: false };
      } finally {
        client = undefined;
        await next.destroy().catch((err: unknown) => logger.debug({ err }, 'discord client destroy failed'));
      }
      if (outcome === undefined) break;
      state.down(outcome.detail);
      logger.error({ detail: outcome.detail, retry: !outcome.fatal }, 'discord channel is down');
      // A rejected token stays rejected: wait for a stop (and a fixed config) instead of hammering Discord.
      if (outcome.fatal) await stopped;
      else await sleep(retryDelay(Math.max(1, attempt)), undefined, { signal }).catch(() => undefined);
    }
  } finally {
    outbound.close();
    await closeDbs(dbs);
  }
}

/** Routes the client's events; no handler may throw into discord.js (that would crash the worker). */
function wire(client: Client, deps: InboundDeps, guildId: string): void {
  const { logger } = deps;
  client.on(Events.MessageCreate, (message) => {
    handleMessage(message, deps).catch((err: unknown) => logger.error({ err, messageId: message.id }, 'handling a discord message failed'));
  });
  client.on(Events.InteractionCreate, (interaction) => {
    handleInteraction(interaction, deps).catch((err: unknown) => logger.error({ err }, 'handling a discord interaction failed'));
  });
  client.once(Events.ClientReady, (ready) => {
    logger.info({ user: ready.user.tag, guilds: ready.guilds.cache.size }, 'discord gateway ready');
    if (guildId !== '' && !ready.guilds.cache.has(guildId)) {
      logger.warn({ guildId }, 'the bot is not a member of channels.discord.guild_id: invite it to that server, or nothing there is answered');
    }
    void registerCommands(ready, guildId, logger);
  });
  // Every READY is a new session (a RESUMED replays what was missed itself): read what came meanwhile.
  client.on(Events.ShardReady, () => {
    backfill(client, deps.reader, logger, (message) => handleMessage(message, deps)).then(
      (count) => { if (count > 0) logger.info({ count }, 'handled discord messages sent while the bot was away'); },
      (err: unknown) => logger.error({ err }, 'discord backfill failed'),
    );
  });
  client.on(Events.Error, (err) => logger.warn({ err }, 'discord client error'));
  client.on(Events.ShardError, (err, shardId) => logger.warn({ err, shardId }, 'discord gateway connection error'));
  client.on(Events.ShardReconnecting, () => logger.info('discord gateway reconnecting'));
  client.on(Events.ShardResume, (_id, replayed) => logger.info({ replayed }, 'discord gateway resumed'));
  client.on(Events.Warn, (message) => logger.warn({ message }, 'discord client warning'));
  client.rest.on('rateLimited', (info) => logger.debug({ route: info.route, retryAfter: info.retryAfter, global: info.global }, 'discord rate limit: waiting'));
}
