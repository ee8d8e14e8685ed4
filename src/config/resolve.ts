// Derived settings and cross-key rules: provider choice, key fallbacks, channel enablement, required pairs.
import type { Config, ProviderId } from './schema.js';
import type { ConfigProblem } from './errors.js';
import type { Env } from './env.js';
import { quoted } from './validate.js';

export const DEFAULT_MODELS: Record<ProviderId, string> = {
  anthropic: 'claude-sonnet-4-5',
  openai: 'gpt-4o-mini',
  echo: 'echo',
};

const PROVIDER_KEY_ENV: Record<ProviderId, string | undefined> = {
  anthropic: 'ANTHROPIC_API_KEY',
  openai: 'OPENAI_API_KEY',
  echo: undefined,
};

export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function pickProvider(config: Config, env: Env): ProviderId {
  if (config.agent.provider !== '') return config.agent.provider;
  if (config.agent.api_key !== '' || env.ANTHROPIC_API_KEY) return 'anthropic';
  if (env.OPENAI_API_KEY) return 'openai';
  return 'echo';
}

function keyFor(provider: ProviderId, configured: string, env: Env): string {
  if (configured !== '') return configured;
  const name = PROVIDER_KEY_ENV[provider];
  return (name && env[name]) || '';
}

export interface Resolved { config: Config; warnings: string[]; problems: ConfigProblem[] }

/** Fills derived values and returns the problems that only show across keys. */
export function resolveConfig(input: Config, env: Env): Resolved {
  const config = structuredClone(input);
  const warnings: string[] = [];
  const problems: ConfigProblem[] = [];
  const { agent, server, channels } = config;

  agent.provider = pickProvider(config, env);
  agent.api_key = keyFor(agent.provider, agent.api_key, env);
  if (agent.model === '') agent.model = DEFAULT_MODELS[agent.provider];
  if (agent.provider === 'echo') warnings.push('no model API key configured: using the offline "echo" agent, which answers with the text it got');
  else if (agent.api_key === '') {
    problems.push({ key: 'agent.api_key', problem: `missing for provider "${agent.provider}"`, expected: `a key, or ${PROVIDER_KEY_ENV[agent.provider]} in the environment` });
  }

  const fb = agent.fallback;
  if (fb.provider !== '') {
    fb.api_key = keyFor(fb.provider, fb.api_key, env);
    if (fb.model === '') fb.model = DEFAULT_MODELS[fb.provider];
    if (fb.provider !== 'echo' && fb.api_key === '') {
      problems.push({ key: 'agent.fallback.api_key', problem: `missing for fallback provider "${fb.provider}"`, expected: `a key, or ${PROVIDER_KEY_ENV[fb.provider]} in the environment` });
    }
  }

  if (channels.telegram.bot_token === '' && env.TELEGRAM_BOT_TOKEN) channels.telegram.bot_token = env.TELEGRAM_BOT_TOKEN;
  if (channels.discord.bot_token === '' && env.DISCORD_BOT_TOKEN) channels.discord.bot_token = env.DISCORD_BOT_TOKEN;
  for (const name of ['telegram', 'discord'] as const) {
    const ch = channels[name];
    if (ch.bot_token !== '') ch.enabled = true;
    else if (ch.enabled) problems.push({ key: `channels.${name}.bot_token`, problem: `missing while channels.${name}.enabled is true`, expected: `a bot token, or ${name.toUpperCase()}_BOT_TOKEN in the environment` });
  }
  if (channels.telegram.enabled && channels.telegram.mode === 'webhook' && channels.telegram.webhook_secret === '') {
    problems.push({ key: 'channels.telegram.webhook_secret', problem: 'missing while channels.telegram.mode is "webhook"', expected: 'a secret string of 1-256 characters A-Z a-z 0-9 _ -' });
  }

  const tls = server.tls;
  if ((tls.cert_file === '') !== (tls.key_file === '')) {
    const missing = tls.cert_file === '' ? 'cert_file' : 'key_file';
    problems.push({ key: `server.tls.${missing}`, problem: 'missing while the other TLS file is set', expected: 'both cert_file and key_file, or neither' });
  }
  if (!isLoopbackHost(server.host) && server.auth_token === '') {
    problems.push({ key: 'server.auth_token', problem: `missing while server.host is ${quoted(server.host)}, which is not loopback`, expected: 'a token (CLANKER_SERVER_AUTH_TOKEN) before the gateway listens beyond this machine' });
  }
  return { config, warnings, problems };
}
