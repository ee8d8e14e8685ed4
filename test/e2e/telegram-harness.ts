// Shared set-up for the Telegram e2e tests: the Telegram and Anthropic fakes, a config for them, and small waits.
import { join } from 'node:path';
import { startFakeTelegram, type FakeTelegram, type SentMessage, type TelegramUser } from '../fakes/telegram.js';
import { startFakeAnthropic, type FakeModelServer } from '../fakes/anthropic.js';
import { startGateway, tempDir, type RunningGateway } from '../helpers/cli.js';

export const ada: TelegramUser = { id: 42, first_name: 'Ada', username: 'ada' };
export const MODEL_KEY = 'sk-ant-test-key-123456';

export interface Harness {
  tg: FakeTelegram;
  model: FakeModelServer;
  /** A data directory that outlives single gateways (for restart tests). */
  dataDir: string;
  /** Starts `clanker serve` with the Telegram section extended by `telegram` (TOML lines). */
  start(telegram?: string[]): Promise<RunningGateway>;
  close(): Promise<void>;
}

/** Fast polling and watchdog for tests, unless `telegram` sets them. */
const FAST = ['poll_timeout_s = 1', 'watchdog_s = 3'];

export function configFor(tg: FakeTelegram, model: FakeModelServer, telegram: string[] = []): string {
  const defaults = FAST.filter((line) => !telegram.some((l) => l.startsWith(line.split(' ')[0] ?? '')));
  return [
    '[log]', 'level = "info"',
    '[workers]', 'threads = 2',
    '[agent]', 'provider = "anthropic"', 'model = "claude-test"', `api_key = "${MODEL_KEY}"`, `base_url = "${model.url}"`, 'max_retries = 0', 'timeout_ms = 10000', 'max_tokens = 8000',
    '[channels.telegram]', `bot_token = "${tg.token}"`, `api_root = "${tg.apiRoot}"`,
    ...defaults, ...telegram,
  ].join('\n') + '\n';
}

export async function harness(): Promise<Harness> {
  const tg = await startFakeTelegram();
  const model = await startFakeAnthropic();
  const data = await tempDir('clanker-tg-data-');
  const gateways: RunningGateway[] = [];
  return {
    tg,
    model,
    dataDir: join(data.path, 'data'),
    async start(telegram = ['allowed_users = ["42"]']) {
      const gw = await startGateway({ configToml: configFor(tg, model, telegram), dataDir: join(data.path, 'data') });
      gateways.push(gw);
      return gw;
    },
    async close() {
      await Promise.all(gateways.map((gw) => gw.kill()));
      await Promise.all([tg.close(), model.close()]);
      await data.cleanup();
    },
  };
}

/**
 * The final (HTML) answers in a chat to a message whose rendered text is `html`. The Anthropic fake answers
 * `echo: <last user text>`; user messages that arrive together reach the model as one, so match the end.
 */
export function finals(tg: FakeTelegram, chat: number, html: string): SentMessage[] {
  return tg.sent.filter((s) => s.chat_id === chat && s.parse_mode === 'HTML' && s.text.startsWith('echo: ') && s.text.endsWith(html));
}

/** Waits for the final answer to a message. */
export function answered(tg: FakeTelegram, chat: number, html: string, timeoutMs = 10_000): Promise<SentMessage> {
  return tg.waitFor(() => finals(tg, chat, html)[0], timeoutMs);
}

/** Plain-text notices (command answers, refusals) sent to a chat; answer previews are left out. */
export function notices(tg: FakeTelegram, chat: number): SentMessage[] {
  return tg.sent.filter((s) => s.chat_id === chat && s.method === 'sendMessage' && s.parse_mode === undefined && !s.text.startsWith('echo'));
}

/** The user turns stored for a session, via the gateway API. */
export async function storedUserTexts(gw: RunningGateway, session: string): Promise<string[]> {
  const res = await fetch(`${gw.url}/api/sessions/${session}/messages`, { signal: AbortSignal.timeout(5000) });
  if (res.status === 404) return [];
  const body = await res.json() as { messages: Array<{ role: string; text: string }> };
  return body.messages.filter((m) => m.role === 'user').map((m) => m.text);
}

export async function status(gw: RunningGateway): Promise<Record<string, unknown>> {
  const res = await fetch(`${gw.url}/api/status`, { signal: AbortSignal.timeout(5000) });
  return await res.json() as Record<string, unknown>;
}

/** The telegram channel's entry in /api/status. */
export async function channelStatus(gw: RunningGateway): Promise<Record<string, unknown>> {
  const s = await status(gw);
  return ((s.channels as Record<string, unknown> | undefined)?.telegram ?? {}) as Record<string, unknown>;
}

/** Polls `pick` every 50 ms until it returns something truthy (or fails after `timeoutMs`). */
export async function eventually<T>(pick: () => Promise<T | undefined | false>, what: string, timeoutMs = 8000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await pick();
    if (value !== undefined && value !== false && value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Resolves once the bot is polling (its channel reports up). */
export function polling(gw: RunningGateway): Promise<Record<string, unknown>> {
  return eventually(async () => {
    const ch = await channelStatus(gw);
    return ch.state === 'up' && ch.polling === 'ok' ? ch : undefined;
  }, 'telegram polling');
}
