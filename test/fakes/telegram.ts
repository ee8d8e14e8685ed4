/** Fake Telegram Bot API: a real HTTP server on 127.0.0.1 speaking the subset of the Bot API that grammy and Open Clanker use. */
import { createServer } from 'node:http';
import type { ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ChatStore } from './telegram-chats.js';
import type { IncomingOptions } from './telegram-chats.js';
import { UpdateQueue } from './telegram-updates.js';
import { BotApiError, badRequest, chatIdParam, intParam, jsonParam, readParams, stringParam, boolParam } from './telegram-wire.js';
import type { Params } from './telegram-wire.js';

export { validateTelegramHtml } from './telegram-html.js';

export interface TelegramUser { id: number; username?: string; first_name?: string; is_bot?: boolean }
export interface SentMessage {
  method: 'sendMessage' | 'editMessageText';
  chat_id: number;
  message_id: number;
  /** The text exactly as the bot sent it (HTML source when parse_mode is HTML). */
  text: string;
  parse_mode?: string;
  reply_to_message_id?: number;
  at: number;
}
export interface Failure { status: number; description?: string; retry_after?: number }
export interface FakeTelegram {
  apiRoot: string;
  token: string;
  botUser: TelegramUser;
  calls: Array<{ method: string; body: Record<string, unknown>; at: number }>;
  sent: SentMessage[];
  chatActions: Array<{ chat_id: number; action: string }>;
  commands: unknown[];
  webhook: { url: string; secret_token?: string } | null;
  injectText(from: TelegramUser, text: string, opts?: IncomingOptions): number;
  injectUpdate(update: Record<string, unknown>): number;
  pendingUpdates(): number;
  failNext(method: string, count: number, failure: Failure): void;
  hangGetUpdates(on: boolean): void;
  getUpdatesCompleted(): number;
  waitFor<T>(pick: () => T | undefined | false, timeoutMs?: number): Promise<T>;
  close(): Promise<void>;
}

type Handler = (p: Params, signal: AbortSignal) => unknown;
interface Held { method: string; params: Params; res: ServerResponse; signal: AbortSignal }

const CHAT_ACTIONS = new Set([
  'typing', 'upload_photo', 'record_video', 'upload_video', 'record_voice', 'upload_voice',
  'upload_document', 'choose_sticker', 'find_location', 'record_video_note', 'upload_video_note',
]);
const DEFAULT_DESCRIPTIONS: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden: bot was blocked by the user', 404: 'Not Found',
  409: 'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running',
  500: 'Internal Server Error', 502: 'Bad Gateway',
};

/** Starts the fake on an ephemeral port; point grammy at it with `client: { apiRoot: fake.apiRoot }`. */
export async function startFakeTelegram(opts: { token?: string } = {}): Promise<FakeTelegram> {
  const token = opts.token ?? '123456:TEST-token-abcdef';
  const botUser: TelegramUser = { id: 999, is_bot: true, first_name: 'Clanker Test', username: 'clanker_test_bot' };
  const queue = new UpdateQueue();
  const chats = new ChatStore(botUser);
  const failures = new Map<string, Array<{ left: number; failure: Failure }>>();
  const held = new Set<Held>();
  const waits = new Set<{ timer?: NodeJS.Timeout; reject: (e: Error) => void }>();
  let hanging = false;
  let completed = 0;
  let closed = false;

  const handlers: Record<string, Handler> = {
    getMe: () => ({ ...botUser, can_join_groups: true, can_read_all_group_messages: false, supports_inline_queries: false }),
    getUpdates: (p, signal) => {
      if (fake.webhook) {
        throw new BotApiError(409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first");
      }
      queue.confirm(intParam(p, 'offset'));
      queue.setAllowed(jsonParam(p, 'allowed_updates'));
      const limit = Math.min(100, Math.max(1, intParam(p, 'limit') ?? 100));
      // Fractional seconds are accepted (Telegram wants an integer) so tests can poll briefly.
      const timeout = Math.max(0, intParam(p, 'timeout') ?? 0);
      const ready = queue.take(limit);
      if (ready.length > 0 || timeout === 0) {
        queue.endPoll();
        return ready;
      }
      return queue.wait(limit, timeout * 1000, signal);
    },
    setWebhook: (p) => {
      const url = stringParam(p, 'url') ?? '';
      const secret = stringParam(p, 'secret_token');
      if (secret !== undefined && !/^[A-Za-z0-9_-]{1,256}$/.test(secret)) throw badRequest('secret token contains unallowed characters');
      fake.webhook = url === '' ? null : { url, ...(secret !== undefined ? { secret_token: secret } : {}) };
      if (boolParam(p, 'drop_pending_updates')) queue.clear();
      return true;
    },
    deleteWebhook: (p) => {
      fake.webhook = null;
      if (boolParam(p, 'drop_pending_updates')) queue.clear();
      return true;
    },
    getWebhookInfo: () => ({ url: fake.webhook?.url ?? '', has_custom_certificate: false, pending_update_count: queue.pending() }),
    setMyCommands: (p) => {
      const commands = jsonParam(p, 'commands');
      if (!Array.isArray(commands)) throw badRequest('parameter "commands" is required');
      for (const c of commands) {
        const { command, description } = typeof c === 'object' && c !== null ? (c as Params) : {};
        if (typeof command !== 'string' || !/^[a-z0-9_]{1,32}$/.test(command)) throw badRequest('BOT_COMMAND_INVALID');
        if (typeof description !== 'string' || description.length < 1 || description.length > 256) {
          throw badRequest('BOT_COMMAND_DESCRIPTION_INVALID');
        }
      }
      fake.commands = commands;
      return true;
    },
    getMyCommands: () => fake.commands,
    deleteMyCommands: () => {
      fake.commands = [];
      return true;
    },
    sendMessage: (p) => {
      const { message, record } = chats.send(p);
      fake.sent.push(record);
      return message;
    },
    editMessageText: (p) => {
      const { message, record } = chats.edit(p);
      fake.sent.push(record);
      return message;
    },
    deleteMessage: (p) => chats.delete(p),
    sendChatAction: (p) => {
      const chatId = chatIdParam(p);
      const action = stringParam(p, 'action') ?? '';
      if (!CHAT_ACTIONS.has(action)) throw badRequest('wrong parameter action in request');
      fake.chatActions.push({ chat_id: chatId, action });
      return true;
    },
    answerCallbackQuery: (p) => {
      if (stringParam(p, 'callback_query_id') === undefined) throw badRequest('QUERY_ID_INVALID');
      return true;
    },
  };
  const canonical = new Map(Object.keys(handlers).map((m) => [m.toLowerCase(), m]));

  function reply(res: ServerResponse, method: string, status: number, body: unknown): void {
    if (res.writableEnded || res.destroyed) return;
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (method === 'getUpdates') completed++;
  }

  function takeFailure(method: string): BotApiError | null {
    const rules = failures.get(method);
    const rule = rules?.[0];
    if (!rules || !rule) return null;
    if (--rule.left <= 0) rules.shift();
    const { status, retry_after } = rule.failure;
    const retryAfter = status === 429 ? (retry_after ?? 1) : retry_after;
    const description =
      rule.failure.description ?? (status === 429 ? `Too Many Requests: retry after ${retryAfter}` : (DEFAULT_DESCRIPTIONS[status] ?? `Error ${status}`));
    return new BotApiError(status, description, retryAfter !== undefined ? { retry_after: retryAfter } : undefined);
  }

  async function dispatch(method: string, params: Params, res: ServerResponse, signal: AbortSignal): Promise<void> {
    try {
      const failure = takeFailure(method);
      if (failure) throw failure;
      const handler = handlers[method];
      if (!handler) throw new BotApiError(404, 'Not Found');
      reply(res, method, 200, { ok: true, result: await handler(params, signal) });
    } catch (err) {
      const e = err instanceof BotApiError ? err : new BotApiError(500, `Internal Server Error: fake telegram: ${String(err)}`);
      reply(res, method, e.code, { ok: false, error_code: e.code, description: e.description, ...(e.parameters ? { parameters: e.parameters } : {}) });
    }
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const route = /^\/bot([^/]+)\/([^/]+)$/.exec(url.pathname);
    if (!route) return reply(res, '', 404, { ok: false, error_code: 404, description: 'Not Found' });
    if (route[1] !== token) return reply(res, '', 401, { ok: false, error_code: 401, description: 'Unauthorized' });
    const name = route[2] ?? '';
    const method = canonical.get(name.toLowerCase()) ?? name;
    const ac = new AbortController();
    res.on('close', () => ac.abort());
    readParams(req, url.searchParams).then(
      (params) => {
        fake.calls.push({ method, body: params, at: Date.now() });
        if (method === 'getUpdates' && hanging) {
          const entry: Held = { method, params, res, signal: ac.signal };
          held.add(entry);
          res.on('close', () => held.delete(entry));
          return;
        }
        return dispatch(method, params, res, ac.signal);
      },
      (err: unknown) => {
        const e = err instanceof BotApiError ? err : badRequest("can't parse request");
        reply(res, method, e.code, { ok: false, error_code: e.code, description: e.description });
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  const fake: FakeTelegram = {
    apiRoot: `http://127.0.0.1:${port}`,
    token,
    botUser,
    calls: [],
    sent: [],
    chatActions: [],
    commands: [],
    webhook: null,
    injectText: (from, text, options) => queue.push({ message: chats.incoming(from, text, options) }),
    injectUpdate: (update) => {
      for (const key of ['message', 'edited_message', 'channel_post', 'business_message']) chats.remember(update[key]);
      return queue.push(update);
    },
    pendingUpdates: () => queue.pending(),
    failNext: (method, count, failure) => {
      const rules = failures.get(method) ?? [];
      if (count > 0) rules.push({ left: count, failure });
      failures.set(method, rules);
    },
    hangGetUpdates: (on) => {
      hanging = on;
      if (on) return;
      const released = [...held];
      held.clear();
      for (const h of released) void dispatch(h.method, h.params, h.res, h.signal);
    },
    getUpdatesCompleted: () => completed,
    waitFor: <T>(pick: () => T | undefined | false, timeoutMs = 5000) =>
      new Promise<T>((resolve, reject) => {
        const started = Date.now();
        let lastError: unknown;
        const entry: { timer?: NodeJS.Timeout; reject: (e: Error) => void } = { reject };
        const tick = (): void => {
          waits.delete(entry);
          try {
            const value = pick();
            if (value !== undefined && value !== false && value !== null) return resolve(value);
          } catch (err) {
            lastError = err; // a picker that throws is treated as "not yet"
          }
          if (Date.now() - started >= timeoutMs) {
            const why = lastError === undefined ? '' : ` (last error: ${String(lastError)})`;
            return reject(new Error(`fake telegram waitFor timed out after ${timeoutMs}ms: ${pick.toString().slice(0, 200)}${why}`));
          }
          entry.timer = setTimeout(tick, 10);
          waits.add(entry);
        };
        if (closed) return reject(new Error('fake telegram is closed'));
        tick();
      }),
    close: async () => {
      if (closed) return;
      closed = true;
      for (const w of waits) {
        clearTimeout(w.timer);
        w.reject(new Error('fake telegram closed while waitFor was pending'));
      }
      waits.clear();
      for (const h of held) reply(h.res, h.method, 200, { ok: true, result: [] });
      held.clear();
      queue.close();
      // Let the long poll that queue.close() just settled write its answer before sockets go.
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
  return fake;
}
