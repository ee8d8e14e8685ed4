// The channel side of the benchmarks: the fakes in a load process, the gateway config pointing at them, and whether the channels came up.
import { LoadProcess } from './procs.js';
import { getJson } from './server.js';

/** Telegram user ids the benchmarks talk as (all on the allow list). */
export const TELEGRAM_USERS = Array.from({ length: 20 }, (_, i) => 4242 + i);
export const DISCORD_USERS = ['100000000000000001'];

export interface ChannelFakes {
  proc: LoadProcess;
  /** Config sections enabling the channels against the fakes. */
  toml: string;
  close(): Promise<void>;
}

export async function startChannelFakes(which: Array<'telegram' | 'discord'>): Promise<ChannelFakes> {
  const proc = LoadProcess.start('fakes');
  const sections: string[] = [];
  try {
    if (which.includes('telegram')) {
      const t = await proc.ask({ type: 'telegram' }, 'telegram', 10_000);
      sections.push([
        '[channels.telegram]', `bot_token = "${String(t.token)}"`, `api_root = "${String(t.apiRoot)}"`,
        `allowed_users = [${TELEGRAM_USERS.map((u) => `"${u}"`).join(', ')}]`, 'rate_limit_per_minute = 0', '',
      ].join('\n'));
    }
    if (which.includes('discord')) {
      const d = await proc.ask({ type: 'discord' }, 'discord', 10_000);
      sections.push([
        '[channels.discord]', `bot_token = "${String(d.token)}"`, `api_base = "${String(d.api)}"`, `guild_id = "${String(d.guildId)}"`,
        `allowed_users = [${DISCORD_USERS.map((u) => `"${u}"`).join(', ')}]`, '',
      ].join('\n'));
    }
  } catch (err) {
    await proc.close();
    throw err;
  }
  return { proc, toml: sections.join('\n'), close: () => proc.close() };
}

/** Channel name → state as the gateway reports it in /api/status (empty when no channel code is built in). */
export async function channelStates(url: string): Promise<Record<string, string>> {
  const status = await getJson(`${url}/api/status`) as { channels?: Record<string, { state?: unknown }> };
  return Object.fromEntries(Object.entries(status.channels ?? {}).map(([name, c]) => [name, String(c.state)]));
}

/** Polls until every named channel is up; resolves with the states at the end (bounded by timeoutMs). */
export async function waitChannels(url: string, names: string[], timeoutMs: number): Promise<Record<string, string>> {
  const deadline = performance.now() + timeoutMs;
  let states = await channelStates(url);
  while (performance.now() < deadline) {
    states = await channelStates(url);
    // Not listed at all means this build has no such channel: waiting longer will not change that.
    if (names.every((n) => states[n] === 'up' || states[n] === undefined)) return states;
    await new Promise((r) => setTimeout(r, 50));
  }
  return states;
}

export function pendingChannels(states: Record<string, string>, names: string[]): string[] {
  return names.filter((n) => states[n] !== 'up');
}
