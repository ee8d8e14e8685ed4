// `clanker telegram set-webhook URL`: registers the gateway's webhook (with webhook_secret) with Telegram.
import { Api } from '../vendor/grammy.js';
import { loadConfig } from '../config/load.js';
import { describeError } from '../channels/telegram/api.js';
import { WEBHOOK_PATH } from '../channels/telegram/webhook.js';

interface TelegramFlags { config?: string; dropPending?: boolean }

export async function runTelegram(action: string, url: string | undefined, flags: TelegramFlags): Promise<void> {
  if (action !== 'set-webhook') throw new Error(`unknown telegram action "${action}" (expected: set-webhook URL)`);
  if (url === undefined || url === '') throw new Error('missing URL: clanker telegram set-webhook https://your.host/telegram/webhook');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`not a URL: ${JSON.stringify(url)}`);
  }
  const { config } = loadConfig({ file: flags.config });
  const tg = config.channels.telegram;
  if (tg.bot_token === '') throw new Error('channels.telegram.bot_token is not set (or TELEGRAM_BOT_TOKEN)');
  if (tg.webhook_secret === '') throw new Error('channels.telegram.webhook_secret is not set: Telegram must send it so the gateway can trust the webhook');
  if (parsed.pathname !== WEBHOOK_PATH) process.stderr.write(`warning: the gateway serves the webhook at ${WEBHOOK_PATH}, not ${parsed.pathname}\n`);
  if (tg.mode !== 'webhook') process.stderr.write('warning: channels.telegram.mode is not "webhook"; the gateway deletes the webhook when it starts polling\n');
  const api = new Api(tg.bot_token, { apiRoot: tg.api_root });
  try {
    await api.setWebhook(url, { secret_token: tg.webhook_secret, allowed_updates: ['message'], drop_pending_updates: flags.dropPending === true });
  } catch (err) {
    throw new Error(`telegram refused setWebhook: ${describeError(err)}`);
  }
  process.stdout.write(`webhook set: ${url}\n`);
}
