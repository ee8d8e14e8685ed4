// The Telegram channel actor (worker thread): a grammy Bot that receives by long polling or webhook and sends answers.
import type { Update, UserFromGetMe } from 'grammy/types';
import { GrammyError, type Bot } from '../../vendor/grammy.js';
import { untilAborted, type ActorContext } from '../../actors/actor.js';
import { ChannelSend, ChannelStream, TelegramWebhookUpdate } from '../../actors/messages.js';
import { closeDbs, openDbs } from '../../store/lmdb.js';
import { StoreReader } from '../../store/store.js';
import { apiSignal, backoffMs, createBot, describeError, pause } from './api.js';
import { COMMANDS } from './commands.js';
import { Outbox } from './outbox.js';
import { Poller } from './poller.js';
import { RateLimiter } from './rate-limit.js';
import { waitAtMost } from '../../wait.js';
import { UpdateHandler } from './updates.js';
import { OFFSET_KEY, parseOptions, type TelegramOptions } from './options.js';

/** A getUpdates call may take poll_timeout_s plus the round trip before it counts as hung. */
const watchdogSeconds = (o: TelegramOptions): number => Math.max(o.watchdog_s, o.poll_timeout_s + 2);

/** getMe until it answers (or the actor stops): a Telegram outage at start must not crash the gateway. */
async function connect(bot: Bot, mode: string, ctx: ActorContext): Promise<UserFromGetMe | undefined> {
  for (let attempt = 0; !ctx.signal.aborted; attempt++) {
    try {
      bot.botInfo = await bot.api.getMe(apiSignal(ctx.signal));
      return bot.botInfo;
    } catch (err) {
      if (ctx.signal.aborted) break;
      const rejected = err instanceof GrammyError && (err.error_code === 401 || err.error_code === 404);
      const detail = rejected ? 'the bot token was rejected (check channels.telegram.bot_token)' : `cannot reach Telegram: ${describeError(err)}`;
      ctx.logger.error({ attempt }, `telegram: ${detail}`);
      ctx.setState('down', detail, { mode });
      await pause(rejected ? 30_000 : backoffMs(attempt, 1000), ctx.signal);
    }
  }
  return undefined;
}

async function setUp(bot: Bot, options: TelegramOptions, ctx: ActorContext): Promise<void> {
  await bot.api.setMyCommands([...COMMANDS]).catch((err: unknown) => ctx.logger.warn({ why: describeError(err) }, 'telegram setMyCommands failed'));
  if (options.mode === 'polling') {
    // A webhook left behind would make every getUpdates fail with 409.
    await bot.api.deleteWebhook().catch((err: unknown) => ctx.logger.warn({ why: describeError(err) }, 'telegram deleteWebhook failed'));
    return;
  }
  const info = await bot.api.getWebhookInfo().catch(() => undefined);
  if (info?.url === '') ctx.logger.warn('telegram is in webhook mode but no webhook is registered: run `clanker telegram set-webhook URL`');
}

async function runPolling(bot: Bot, handler: UpdateHandler, reader: StoreReader, options: TelegramOptions, ctx: ActorContext): Promise<void> {
  const poller = new Poller({
    api: bot.api,
    logger: ctx.logger,
    signal: ctx.signal,
    timeoutS: options.poll_timeout_s,
    watchdogMs: watchdogSeconds(options) * 1000,
    offset: reader.offset(OFFSET_KEY) ?? 0,
    handle: (update) => handler.handle(update, true),
    report: (info, problem) => ctx.setState(problem ? 'degraded' : 'up', problem, { ...info }),
  });
  ctx.setState('up', undefined, { ...poller.info });
  await poller.run();
}

async function runWebhook(handler: UpdateHandler, ctx: ActorContext): Promise<void> {
  let reportedAt = 0;
  // One update at a time, in arrival order, so a chat's messages are stored in the order Telegram sent them.
  let queue: Promise<unknown> = Promise.resolve();
  ctx.mailbox.handle('telegram.update', TelegramWebhookUpdate, ({ update }) => {
    const done = queue.then(() => handler.handle(update as Update, false));
    queue = done.catch(() => undefined);
    return done.then((outcome) => {
      if (Date.now() - reportedAt >= 15_000) {
        reportedAt = Date.now();
        ctx.setState('up', undefined, { mode: 'webhook', last_update_at: new Date(reportedAt).toISOString() });
      }
      return { outcome };
    });
  });
  ctx.setState('up', undefined, { mode: 'webhook', last_update_at: null });
  await untilAborted(ctx.signal);
  // Let an update being stored finish (bounded): Telegram gets its answer either way.
  await waitAtMost(queue, 1000);
}

export default async function telegramActor(ctx: ActorContext): Promise<void> {
  const options = parseOptions(ctx.options);
  const dbs = openDbs(options.store.dataDir, options.store.mapSizeMb);
  const reader = new StoreReader(dbs);
  const bot = createBot(options.bot_token, options.api_root, watchdogSeconds(options), ctx.signal, (method, why, waitMs) =>
    ctx.logger.info({ method, why, wait_ms: waitMs }, 'telegram call will be retried'));
  const outbox = new Outbox(bot.api, ctx.logger);
  ctx.mailbox.on('channel.stream', ChannelStream, (ev) => outbox.stream(ev));
  ctx.mailbox.handle('channel.send', ChannelSend, (msg) => outbox.send(msg));
  try {
    const me = await connect(bot, options.mode, ctx);
    if (!me) return;
    await setUp(bot, options, ctx);
    const handler = new UpdateHandler({
      options, me, reader, outbox, mailbox: ctx.mailbox, logger: ctx.logger,
      limiter: new RateLimiter(options.rate_limit_per_minute),
    });
    ctx.logger.info({ bot: me.username, mode: options.mode }, 'telegram channel started');
    if (options.mode === 'webhook') await runWebhook(handler, ctx);
    else await runPolling(bot, handler, reader, options, ctx);
  } finally {
    outbox.close();
    await closeDbs(dbs);
  }
}
