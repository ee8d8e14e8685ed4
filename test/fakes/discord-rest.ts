/** The fake Discord REST API (v10): the routes discord.js uses, call recording, Discord error shapes and 429 injection. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  channelPayload, messagePayload, messageVisibility, userPayload,
  type DiscordRestCall, type DiscordWorld, type FakeDiscordUser, type StoredMessage,
} from './discord-model.js';
import type { FakeGateway } from './discord-gateway.js';

const API_PREFIX = '/api/v10';
/** Routes Discord authorizes by the interaction token in the path, not the bot token. */
const TOKENLESS = new Set(['POST /interactions/:id/:token/callback']);
const MAX_CONTENT = 2000;
const MAX_BODY_BYTES = 10 * 1024 * 1024;

interface Reply { status: number; body?: unknown; headers?: Record<string, string> }
type Handler = (params: string[], body: unknown, query: URLSearchParams) => Reply;
export interface InjectedFailure { status: number; retryAfterSec?: number }

const json = (status: number, body?: unknown): Reply => ({ status, body });
const discordError = (status: number, code: number, message: string, errors?: unknown): Reply =>
  json(status, { message, code, ...(errors !== undefined && { errors }) });
const unknownChannel = (): Reply => discordError(404, 10003, 'Unknown Channel');

function tooLong(content: string): Reply | null {
  if ([...content].length <= MAX_CONTENT) return null;
  return discordError(400, 50035, 'Invalid Form Body', {
    content: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: `Must be ${MAX_CONTENT} or fewer in length.` }] },
  });
}

const asRecord = (v: unknown): Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

export class FakeRest {
  readonly calls: DiscordRestCall[] = [];
  readonly #failures = new Map<string, Array<InjectedFailure>>();
  readonly #routes: Array<{ key: string; method: string; pattern: RegExp; handler: Handler }> = [];
  readonly #world: DiscordWorld;
  readonly #gateway: FakeGateway;
  readonly #token: string;
  readonly #gatewayUrl: () => string;

  constructor(world: DiscordWorld, gateway: FakeGateway, token: string, gatewayUrl: () => string) {
    this.#world = world;
    this.#gateway = gateway;
    this.#token = token;
    this.#gatewayUrl = gatewayUrl;
    this.#route('GET /gateway/bot', () => json(200, {
      url: this.#gatewayUrl(), shards: 1,
      session_start_limit: { total: 1000, remaining: 999, reset_after: 14_400_000, max_concurrency: 1 },
    }));
    this.#route('GET /users/@me', () => json(200, { ...userPayload(world.botUser), verified: true, flags: 0 }));
    this.#route('GET /channels/:id', ([id]) => {
      const ch = world.channels.get(id ?? '');
      return ch ? json(200, channelPayload(ch)) : unknownChannel();
    });
    this.#route('GET /channels/:id/messages', ([id], _body, query) => this.#listMessages(id ?? '', query));
    this.#route('POST /channels/:id/messages', ([id], body) => this.#createMessage(id ?? '', asRecord(body)));
    this.#route('PATCH /channels/:id/messages/:mid', ([id, mid], body) => this.#editMessage(id ?? '', mid ?? '', asRecord(body)));
    this.#route('POST /channels/:id/typing', ([id]) => (world.channels.has(id ?? '') ? json(204) : unknownChannel()));
    this.#route('PUT /applications/:appId/commands', ([appId], body) => this.#putCommands(appId ?? '', null, body));
    this.#route('PUT /applications/:appId/guilds/:gid/commands', ([appId, gid], body) => this.#putCommands(appId ?? '', gid ?? '', body));
    this.#route('POST /interactions/:id/:token/callback', ([id, token], body) => this.#interactionCallback(id ?? '', token ?? '', asRecord(body)));
    this.#route('POST /users/@me/channels', (_p, body) => {
      const recipientId = asRecord(body).recipient_id;
      if (typeof recipientId !== 'string') return discordError(400, 50035, 'Invalid Form Body');
      const user: FakeDiscordUser = world.users.get(recipientId) ?? { id: recipientId, username: `user-${recipientId}` };
      return json(200, channelPayload(world.dmChannelFor(user)));
    });
  }

  /** The next `count` calls to `routeKey` (e.g. 'POST /channels/:id/messages') are answered with `failure`. */
  failNext(routeKey: string, count: number, failure: InjectedFailure): void {
    if (!this.#routes.some((r) => r.key === routeKey)) {
      throw new Error(`failNext: unknown route '${routeKey}'; known: ${this.#routes.map((r) => r.key).join(', ')}`);
    }
    const queue = this.#failures.get(routeKey) ?? [];
    for (let i = 0; i < count; i++) queue.push(failure);
    this.#failures.set(routeKey, queue);
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const body = await readBody(req);
    const path = url.pathname.startsWith(`${API_PREFIX}/`) ? url.pathname.slice(API_PREFIX.length) : url.pathname;
    let routeKey: string | null = null;
    let reply: Reply;
    const match = url.pathname === path ? null : this.#match(method, path);
    if (!match) {
      reply = discordError(404, 0, '404: Not Found');
    } else {
      routeKey = match.key;
      // Never echo the token, right or wrong, in the reply.
      if (!TOKENLESS.has(match.key) && req.headers.authorization !== `Bot ${this.#token}`) reply = discordError(401, 0, '401: Unauthorized');
      else reply = this.#takeFailure(match.key) ?? match.handler(match.params, body, url.searchParams);
    }
    this.calls.push({ method, path, route: routeKey, status: reply.status, body, at: Date.now() });
    const payload = reply.body === undefined ? '' : JSON.stringify(reply.body);
    res.writeHead(reply.status, {
      ...(payload !== '' && { 'content-type': 'application/json' }),
      ...reply.headers,
    });
    res.end(payload);
  }

  /** A channel's history as Discord lists it: newest first, `after` a message id, at most `limit` (default 50, max 100). */
  #listMessages(channelId: string, query: URLSearchParams): Reply {
    if (!this.#world.channels.has(channelId)) return unknownChannel();
    const after = BigInt(query.get('after') ?? '0');
    const limit = Math.min(100, Math.max(1, Number(query.get('limit') ?? 50)));
    const newer = [...this.#world.stored.values()]
      .filter((m) => m.channelId === channelId && BigInt(m.id) > after)
      .sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1))
      .slice(0, limit)
      .reverse();
    return json(200, newer.map((m) => messagePayload(this.#world, m, false)));
  }

  #route(key: string, handler: Handler): void {
    const [method = '', path = ''] = key.split(' ');
    const pattern = new RegExp(`^${path.replace(/:\w+/g, '([^/]+)')}$`);
    this.#routes.push({ key, method, pattern, handler });
  }

  #match(method: string, path: string): { key: string; params: string[]; handler: Handler } | null {
    for (const r of this.#routes) {
      const m = r.method === method ? r.pattern.exec(path) : null;
      if (m) return { key: r.key, params: m.slice(1).map(decodeURIComponent), handler: r.handler };
    }
    return null;
  }

  #takeFailure(routeKey: string): Reply | null {
    const failure = this.#failures.get(routeKey)?.shift();
    if (!failure) return null;
    if (failure.status !== 429) return discordError(failure.status, 0, `${failure.status}: injected failure`);
    const after = failure.retryAfterSec ?? 1;
    return {
      status: 429,
      body: { message: 'You are being rate limited.', retry_after: after, global: false },
      headers: {
        'retry-after': String(Math.ceil(after)),
        'x-ratelimit-limit': '5',
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': ((Date.now() / 1000) + after).toFixed(3),
        'x-ratelimit-reset-after': after.toFixed(3),
        'x-ratelimit-bucket': `fake-${routeKey.replace(/\W+/g, '-')}`,
        'x-ratelimit-scope': 'user',
      },
    };
  }

  #createMessage(channelId: string, body: Record<string, unknown>): Reply {
    const world = this.#world;
    const channel = world.channels.get(channelId);
    if (!channel) return unknownChannel();
    const content = typeof body.content === 'string' ? body.content : '';
    const embeds = Array.isArray(body.embeds) ? body.embeds : [];
    const files = Array.isArray(body.files) ? body.files : [];
    const invalid = tooLong(content);
    if (invalid) return invalid;
    if (content === '' && embeds.length === 0 && files.length === 0) return discordError(400, 50006, 'Cannot send an empty message');
    const stored = world.storeMessage({
      channelId, guildId: channel.guildId, author: world.botUser, content, mentions: [], embeds, nonce: body.nonce,
    });
    world.botMessages.push({
      id: stored.id, channel_id: channelId, content, edited: false,
      ...('allowed_mentions' in body && { allowed_mentions: body.allowed_mentions }),
    });
    this.#broadcast('MESSAGE_CREATE', stored);
    return json(200, messagePayload(world, stored, false));
  }

  #editMessage(channelId: string, messageId: string, body: Record<string, unknown>): Reply {
    const world = this.#world;
    if (!world.channels.has(channelId)) return unknownChannel();
    const stored = world.stored.get(messageId);
    if (!stored || stored.channelId !== channelId) return discordError(404, 10008, 'Unknown Message');
    if (stored.author.id !== world.botUser.id) return discordError(403, 50005, 'Cannot edit a message authored by another user');
    if (typeof body.content === 'string') {
      const invalid = tooLong(body.content);
      if (invalid) return invalid;
      stored.content = body.content;
    }
    if (Array.isArray(body.embeds)) stored.embeds = body.embeds;
    stored.editedTimestamp = new Date().toISOString();
    const record = world.botMessages.find((m) => m.id === messageId);
    if (record) {
      record.content = stored.content;
      record.edited = true;
      if ('allowed_mentions' in body) record.allowed_mentions = body.allowed_mentions;
    }
    this.#broadcast('MESSAGE_UPDATE', stored);
    return json(200, messagePayload(world, stored, false));
  }

  #putCommands(appId: string, guildId: string | null, body: unknown): Reply {
    const world = this.#world;
    if (appId !== world.applicationId) return discordError(404, 10002, 'Unknown Application');
    if (guildId !== null && !world.guilds.has(guildId)) return discordError(403, 50001, 'Missing Access');
    if (!Array.isArray(body)) return discordError(400, 50035, 'Invalid Form Body');
    return json(200, body.map((cmd) => ({
      type: 1, description: '', options: [], default_member_permissions: null, nsfw: false,
      ...asRecord(cmd), id: world.snowflake(), application_id: appId, version: world.snowflake(),
      ...(guildId !== null && { guild_id: guildId }),
    })));
  }

  /** Answers an interaction once, with the token it was created with; the response lands in `interactionResponses`. */
  #interactionCallback(id: string, token: string, body: Record<string, unknown>): Reply {
    const pending = this.#world.interactions.get(id);
    if (!pending || pending.token !== token) return discordError(404, 10062, 'Unknown interaction');
    if (this.#world.interactionResponses.some((r) => r.id === id)) return discordError(400, 40060, 'Interaction has already been acknowledged.');
    this.#world.interactionResponses.push({ id, type: body.type, data: body.data });
    return json(204);
  }

  /** Real Discord echoes the bot's own messages and edits over the gateway; adapters must ignore them. */
  #broadcast(t: 'MESSAGE_CREATE' | 'MESSAGE_UPDATE', stored: StoredMessage): void {
    this.#gateway.broadcast(t, (intents) => {
      const { deliver, withContent } = messageVisibility(this.#world, stored, intents);
      return deliver ? messagePayload(this.#world, stored, true, withContent) : null;
    });
  }
}

/** The request body: JSON, the payload_json of a multipart upload (plus its files' names and sizes), raw text, or null. */
async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buf.length;
    if (size > MAX_BODY_BYTES) throw new Error('request body too large');
    chunks.push(buf);
  }
  const raw = Buffer.concat(chunks);
  if (raw.length === 0) return null;
  const type = req.headers['content-type'] ?? '';
  if (type.startsWith('multipart/form-data')) {
    const form = await new Response(raw, { headers: { 'content-type': type } }).formData();
    const payload = form.get('payload_json');
    const files: Array<{ field: string; name: string; size: number }> = [];
    form.forEach((value, field) => {
      if (typeof value !== 'string') files.push({ field, name: value.name, size: value.size });
    });
    return { ...asRecord(typeof payload === 'string' ? JSON.parse(payload) : {}), files };
  }
  const text = raw.toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
