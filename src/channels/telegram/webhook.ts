// POST /telegram/webhook on the main thread: checks Telegram's secret header, hands the update to the actor, 200 once stored.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Config } from '../../config/schema.js';
import type { ActorRef } from '../../actors/supervisor.js';
import type { Route } from '../../gateway/http/router.js';
import { AppError } from '../../errors.js';

export const WEBHOOK_PATH = '/telegram/webhook';
const SECRET_HEADER = 'x-telegram-bot-api-secret-token';

/** Constant-time comparison; hashing first makes the lengths equal without leaking them. */
export function secretMatches(presented: string | undefined, expected: string): boolean {
  if (presented === undefined || expected === '') return false;
  const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(presented), digest(expected));
}

function isUpdate(body: unknown): body is { update_id: number } {
  const id = (body as { update_id?: unknown } | null)?.update_id;
  return typeof body === 'object' && body !== null && !Array.isArray(body) && typeof id === 'number' && Number.isInteger(id) && id >= 0;
}

/** The gateway's per-address lockout of repeated wrong credentials, applied to the webhook secret too. */
export interface SecretGuard {
  lockedOut(remote: string): boolean;
  failed(remote: string): void;
}

/** The webhook route when the Telegram channel runs in webhook mode, else none. */
export function telegramWebhookRoutes(config: Config, telegram: ActorRef | undefined, guard?: SecretGuard): Route[] {
  const section = config.channels.telegram;
  if (!telegram || section.mode !== 'webhook') return [];
  return [{
    method: 'POST',
    pattern: WEBHOOK_PATH,
    // Telegram cannot send the gateway's bearer token: the secret header is this route's authentication.
    auth: false,
    handler: async (ex) => {
      // Guessing the secret is refused like guessing the bearer token; Telegram itself always sends the right one.
      if (guard?.lockedOut(ex.remote)) throw new AppError('rate_limited', 'too many failed authentication attempts from this address; try again later', 60);
      if (!secretMatches(ex.headers[SECRET_HEADER], section.webhook_secret)) {
        guard?.failed(ex.remote);
        throw new AppError('unauthorized', 'missing or wrong X-Telegram-Bot-Api-Secret-Token');
      }
      const body = await ex.readJson(config.server.max_payload_bytes);
      if (!isUpdate(body)) throw new AppError('bad_params', 'body: expected a Telegram Update with an integer update_id');
      // Answer 200 only once the actor has stored it: an error makes Telegram deliver it again.
      await telegram.request('telegram.update', { update: body }, { timeoutMs: 30_000 });
      ex.json(200, { ok: true });
    },
  }];
}
