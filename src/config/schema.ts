// The configuration schema: the single truth for every key, its type, default, description and env name.
import { Type, type Static, type TSchema, type TObject } from '../vendor/typebox.js';

export const DEFAULT_PORT = 18789;
export const DEFAULT_HOST = '127.0.0.1';
export const HEALTH_PATH = '/health';

/** Marks a key whose value must never be printed (config show, logs, API output). */
const secret = <T extends TSchema>(schema: T): T => ({ ...schema, secret: true });

const Str = (def: string, description: string) => Type.String({ default: def, description });
const Int = (def: number, min: number, description: string, max?: number) =>
  Type.Integer({ default: def, minimum: min, ...(max === undefined ? {} : { maximum: max }), description });
const Bool = (def: boolean, description: string) => Type.Boolean({ default: def, description });
const OneOf = <const L extends string[]>(values: [...L], def: L[number], description: string) =>
  Type.Union(values.map((v) => Type.Literal(v)), { default: def, description }) as unknown as TSchema & { static: L[number] };

const Tls = Type.Object({
  cert_file: Str('', 'PEM certificate file; with key_file, the gateway serves HTTPS/WSS itself'),
  key_file: Str('', 'PEM private key file'),
}, { additionalProperties: false, default: {} });

const Server = Type.Object({
  host: Str(DEFAULT_HOST, 'Address to listen on; a non-loopback address requires auth_token'),
  port: Int(DEFAULT_PORT, 0, 'TCP port for HTTP and WebSocket', 65535),
  auth_token: secret(Str('', 'Bearer token required on every route but /health when set')),
  max_payload_bytes: Int(1_048_576, 1024, 'Largest accepted HTTP body or WebSocket frame'),
  ws_max_buffer_bytes: Int(1_048_576, 16_384, 'A WebSocket client whose unsent data passes this is closed (1013)'),
  ws_auth_timeout_ms: Int(5000, 50, 'Time a WebSocket client without a valid header token has to send connect before it is closed (4401)', 60_000),
  rate_limit_per_minute: Int(600, 0, 'Requests per minute per client address (0 = unlimited)'),
  max_rss_mb: Int(0, 0, 'Above this resident memory the gateway sheds new work (0 = off)'),
  tls: Tls,
}, { additionalProperties: false, default: {} });

const Storage = Type.Object({
  data_dir: Str('./data', 'Directory holding the LMDB database'),
  map_size_mb: Int(1024, 16, 'Largest size the database may grow to'),
  session_ttl_days: Int(0, 0, 'A conversation idle this many days loses its history, checked hourly (0 = kept forever)', 36_500),
}, { additionalProperties: false, default: {} });

const Workers = Type.Object({
  threads: Int(0, 0, 'Worker threads for actors and agent calls (0 = one fewer than the cores, at least 1)', 256),
}, { additionalProperties: false, default: {} });

const Log = Type.Object({
  level: OneOf(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'], 'info', 'Log level'),
}, { additionalProperties: false, default: {} });

const ProviderName = (description: string) =>
  Type.Union([Type.Literal('anthropic'), Type.Literal('openai'), Type.Literal('echo'), Type.Literal('')],
    { default: '', description });

const Fallback = Type.Object({
  provider: ProviderName('Provider used when the main one keeps failing ("" = none)'),
  model: Str('', 'Model of the fallback provider ("" = its default)'),
  api_key: secret(Str('', 'API key of the fallback provider')),
  base_url: Str('', 'Base URL of the fallback provider ("" = the SDK default)'),
}, { additionalProperties: false, default: {} });

const Budget = Type.Object({
  tokens_per_day: Int(0, 0, 'Tokens (in + out) the whole gateway may use per UTC day (0 = unlimited)'),
  tokens_per_session_per_day: Int(0, 0, 'Tokens one session may use per UTC day (0 = unlimited)'),
}, { additionalProperties: false, default: {} });

const Agent = Type.Object({
  provider: ProviderName('"anthropic", "openai" or "echo"; "" picks anthropic/openai by which key is set, else echo'),
  model: Str('', 'Model name ("" = claude-sonnet-4-5 for anthropic, gpt-4o-mini for openai)'),
  api_key: secret(Str('', 'API key of the provider (falls back to ANTHROPIC_API_KEY / OPENAI_API_KEY)')),
  base_url: Str('', 'Base URL for the SDK ("" = the official endpoint; openai bases end in /v1)'),
  max_tokens: Int(1024, 1, 'Most tokens one answer may have'),
  system_prompt: Str('You are a helpful assistant.', 'System prompt sent with every call'),
  timeout_ms: Int(60_000, 100, 'Time limit of one provider call'),
  max_retries: Int(2, 0, 'Retries on 429, 5xx and network errors before fallback', 10),
  history_tokens: Int(8000, 0, 'Estimated tokens of history sent with each call'),
  max_concurrency: Int(8, 1, 'Provider calls in flight at once; more wait in a bounded queue'),
  fallback: Fallback,
  budget: Budget,
}, { additionalProperties: false, default: {} });

const DmPolicy = OneOf(['pairing', 'allowlist', 'open'], 'pairing',
  'Who may talk in private chats: "pairing" (strangers get a code), "allowlist" or "open"');

const Telegram = Type.Object({
  enabled: Bool(false, 'Run the Telegram channel (also on when bot_token is set)'),
  bot_token: secret(Str('', 'Bot token from @BotFather (falls back to TELEGRAM_BOT_TOKEN)')),
  allowed_users: Type.Array(Type.String(), { default: [], description: 'Numeric user ids and/or @usernames' }),
  api_root: Str('https://api.telegram.org', 'Bot API root (a self-hosted Bot API server, or a test fake)'),
  mode: OneOf(['polling', 'webhook'], 'polling', 'How updates arrive'),
  webhook_secret: secret(Str('', 'Secret Telegram must send in X-Telegram-Bot-Api-Secret-Token (webhook mode)')),
  dm_policy: DmPolicy,
  group_policy: OneOf(['mention', 'open', 'off'], 'mention', 'In groups: answer when mentioned or replied to, always, or never'),
  rate_limit_per_minute: Int(20, 0, 'Messages per user per minute (0 = unlimited)'),
  poll_timeout_s: Int(30, 1, 'Long-poll timeout of each getUpdates call, in seconds (polling mode)', 50),
  watchdog_s: Int(90, 2, 'Restart polling when a getUpdates call has not completed for this many seconds (at least poll_timeout_s + 2)'),
}, { additionalProperties: false, default: {} });

const Discord = Type.Object({
  enabled: Bool(false, 'Run the Discord channel (also on when bot_token is set)'),
  bot_token: secret(Str('', 'Bot token (falls back to DISCORD_BOT_TOKEN)')),
  guild_id: Str('', 'Only this server is served ("" = any server)'),
  allowed_users: Type.Array(Type.String(), { default: [], description: 'User ids (as strings) allowed in DMs; when not empty, also the only users answered in server channels' }),
  api_base: Str('https://discord.com/api', 'REST API base; the gateway URL is asked from it'),
  require_mention: Bool(true, 'In server channels answer only when mentioned'),
  dm_policy: DmPolicy,
}, { additionalProperties: false, default: {} });

const Channels = Type.Object({ telegram: Telegram, discord: Discord }, { additionalProperties: false, default: {} });

export const ConfigSchema = Type.Object({
  server: Server,
  storage: Storage,
  workers: Workers,
  log: Log,
  agent: Agent,
  channels: Channels,
}, { additionalProperties: false, default: {} });

export type Config = Static<typeof ConfigSchema>;
export type ProviderId = Exclude<Config['agent']['provider'], ''>;

/** A leaf key of the schema, with everything the loader, docs and `config init` need. */
export interface ConfigKey {
  path: string[];
  schema: TSchema;
  envName: string;
  secret: boolean;
}

/** `CLANKER_<SECTION>_<KEY>`; the `channels` level is left out (CLANKER_TELEGRAM_BOT_TOKEN). */
export function envNameFor(path: readonly string[]): string {
  return 'CLANKER_' + path.filter((p) => p !== 'channels').join('_').toUpperCase();
}

function isObjectSchema(schema: TSchema): schema is TObject {
  return schema.type === 'object' && typeof schema.properties === 'object';
}

function collectKeys(schema: TObject, prefix: string[]): ConfigKey[] {
  return Object.entries(schema.properties).flatMap(([name, child]) => {
    const path = [...prefix, name];
    if (isObjectSchema(child)) return collectKeys(child, path);
    return [{ path, schema: child, envName: envNameFor(path), secret: child.secret === true }];
  });
}

/** Every leaf key in schema order. */
export const CONFIG_KEYS: readonly ConfigKey[] = collectKeys(ConfigSchema, []);

/** Every section (object) path, e.g. ['server'], ['server','tls'], ['channels','telegram']. */
export function sectionPaths(schema: TObject = ConfigSchema, prefix: string[] = []): string[][] {
  return Object.entries(schema.properties).flatMap(([name, child]) =>
    isObjectSchema(child) ? [[...prefix, name], ...sectionPaths(child, [...prefix, name])] : []);
}

export function schemaAt(path: readonly string[]): TSchema | undefined {
  let node: TSchema = ConfigSchema;
  for (const part of path) {
    if (!isObjectSchema(node)) return undefined;
    const next = node.properties[part];
    if (next === undefined) return undefined;
    node = next;
  }
  return node;
}
