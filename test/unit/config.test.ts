// Config loading as pure functions: layer validation, env coercion, precedence, derived values, rendering.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Value } from '../../src/vendor/typebox.js';
import { parse } from 'smol-toml';
import { CONFIG_KEYS, ConfigSchema, envNameFor } from '../../src/config/schema.js';
import { buildConfig, parseToml, type ConfigFlags, type LoadedConfig } from '../../src/config/load.js';
import { validateLayer } from '../../src/config/validate.js';
import { readEnvLayer } from '../../src/config/env.js';
import { ConfigError, type ConfigProblem } from '../../src/config/errors.js';
import { renderDefaultToml, renderEffectiveToml, secretValues } from '../../src/config/render.js';

/** The problems a build reports, or [] when it succeeds. */
function problemsOf(file: Record<string, unknown>, env: Record<string, string> = {}, flags: ConfigFlags = {}): ConfigProblem[] {
  try {
    buildConfig(file, env, flags);
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
}

function build(file: Record<string, unknown>, env: Record<string, string> = {}, flags: ConfigFlags = {}): LoadedConfig {
  return buildConfig(file, env, flags);
}

describe('validateLayer', () => {
  const cases: Array<{ name: string; layer: unknown; key: string; problem: RegExp; expected: RegExp }> = [
    { name: 'bad type', layer: { server: { port: '80' } }, key: 'server.port', problem: /^must be an integer, got string "80"$/, expected: /^integer 0\.\.65535$/ },
    { name: 'out of range', layer: { server: { port: 70000 } }, key: 'server.port', problem: /70000 is not allowed/, expected: /integer 0\.\.65535/ },
    { name: 'not one of the names', layer: { log: { level: 'loud' } }, key: 'log.level', problem: /"loud" is not allowed/, expected: /^one of "trace", .*"silent"$/ },
    { name: 'boolean as string', layer: { channels: { discord: { require_mention: 'yes' } } }, key: 'channels.discord.require_mention', problem: /must be a boolean/, expected: /boolean/ },
    { name: 'unknown key', layer: { server: { hots: '127.0.0.1' } }, key: 'server.hots', problem: /^unknown key$/, expected: /did you mean server\.host\?/ },
    { name: 'unknown nested section', layer: { channels: { telegramm: { enabled: true } } }, key: 'channels.telegramm', problem: /^unknown key$/, expected: /did you mean channels\.telegram\?/ },
    { name: 'unknown top-level section', layer: { servr: { port: 1 } }, key: 'servr', problem: /^unknown key$/, expected: /did you mean server\?/ },
    { name: 'key in the wrong section', layer: { agent: { bot_token: 'x' } }, key: 'agent.bot_token', problem: /^unknown key$/, expected: /did you mean channels\.\w+\.bot_token\?/ },
    { name: 'array of non-strings', layer: { channels: { telegram: { allowed_users: ['@ann', 42] } } }, key: 'channels.telegram.allowed_users[1]', problem: /must be a string, got number 42/, expected: /^string$/ },
    { name: 'scalar for an array', layer: { channels: { telegram: { allowed_users: '@ann' } } }, key: 'channels.telegram.allowed_users', problem: /must be an array/, expected: /array of strings/ },
    { name: 'scalar for a section', layer: { server: 5 }, key: 'server', problem: /must be a table/, expected: /a table/ },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const problems = validateLayer(c.layer);
      assert.equal(problems.length, 1, JSON.stringify(problems));
      const [p] = problems;
      assert.equal(p?.key, c.key);
      assert.match(p?.problem ?? '', c.problem);
      assert.match(p?.expected ?? '', c.expected);
    });
  }

  test('valid partial layers have no problems', () => {
    assert.deepEqual(validateLayer({}), []);
    assert.deepEqual(validateLayer({ server: { port: 8080, tls: { cert_file: 'c.pem' } }, channels: { telegram: { allowed_users: ['1', '@bob'] } } }), []);
  });

  test('every problem is reported, not just the first', () => {
    const problems = validateLayer({ server: { port: 'x', hots: 'y' }, log: { level: 'loud' } });
    assert.deepEqual(problems.map((p) => p.key).sort(), ['log.level', 'server.hots', 'server.port']);
  });

  test('a secret of the wrong type is not echoed back', () => {
    const [p] = validateLayer({ server: { auth_token: 12345678 } });
    assert.equal(p?.key, 'server.auth_token');
    assert.doesNotMatch(JSON.stringify(p), /12345678/);
  });
});

describe('environment overrides', () => {
  const coercions: Array<{ env: Record<string, string>; path: string[]; value: unknown }> = [
    { env: { CLANKER_SERVER_PORT: ' 8080 ' }, path: ['server', 'port'], value: 8080 },
    { env: { CLANKER_DISCORD_REQUIRE_MENTION: 'false' }, path: ['channels', 'discord', 'require_mention'], value: false },
    { env: { CLANKER_DISCORD_REQUIRE_MENTION: 'off' }, path: ['channels', 'discord', 'require_mention'], value: false },
    { env: { CLANKER_DISCORD_REQUIRE_MENTION: '0' }, path: ['channels', 'discord', 'require_mention'], value: false },
    { env: { CLANKER_TELEGRAM_ENABLED: 'TRUE' }, path: ['channels', 'telegram', 'enabled'], value: true },
    { env: { CLANKER_TELEGRAM_ENABLED: 'yes' }, path: ['channels', 'telegram', 'enabled'], value: true },
    { env: { CLANKER_TELEGRAM_ENABLED: '1' }, path: ['channels', 'telegram', 'enabled'], value: true },
    { env: { CLANKER_TELEGRAM_ALLOWED_USERS: '1, @bob,,2 ' }, path: ['channels', 'telegram', 'allowed_users'], value: ['1', '@bob', '2'] },
    { env: { CLANKER_DISCORD_GUILD_ID: '123456789012345678901' }, path: ['channels', 'discord', 'guild_id'], value: '123456789012345678901' },
    { env: { CLANKER_AGENT_FALLBACK_PROVIDER: 'openai' }, path: ['agent', 'fallback', 'provider'], value: 'openai' },
  ];
  for (const c of coercions) {
    test(`${Object.entries(c.env).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ')} → ${JSON.stringify(c.value)}`, () => {
      const layer = readEnvLayer(c.env);
      assert.deepEqual(layer.problems, []);
      let node: unknown = layer.table;
      for (const part of c.path) node = (node as Record<string, unknown>)[part];
      assert.deepEqual(node, c.value);
    });
  }

  const bad: Array<{ env: Record<string, string>; key: string; problem: RegExp }> = [
    { env: { CLANKER_SERVER_PORT: 'abc' }, key: 'server.port (CLANKER_SERVER_PORT)', problem: /must be an integer, got "abc"/ },
    { env: { CLANKER_SERVER_PORT: '' }, key: 'server.port (CLANKER_SERVER_PORT)', problem: /must be an integer/ },
    { env: { CLANKER_SERVER_PORT: '99999' }, key: 'server.port (CLANKER_SERVER_PORT)', problem: /99999 is not allowed/ },
    { env: { CLANKER_TELEGRAM_ENABLED: 'maybe' }, key: 'channels.telegram.enabled (CLANKER_TELEGRAM_ENABLED)', problem: /must be a boolean/ },
    { env: { CLANKER_LOG_LEVEL: 'loud' }, key: 'log.level (CLANKER_LOG_LEVEL)', problem: /"loud" is not allowed/ },
    { env: { CLANKER_AGENT_PROVIDER: 'gemini' }, key: 'agent.provider (CLANKER_AGENT_PROVIDER)', problem: /"gemini" is not allowed/ },
  ];
  for (const c of bad) {
    test(`${Object.keys(c.env).join(' ')}=${JSON.stringify(Object.values(c.env)[0])} is an error naming the variable`, () => {
      const problems = problemsOf({}, c.env);
      assert.equal(problems.length, 1, JSON.stringify(problems));
      assert.equal(problems[0]?.key, c.key);
      assert.match(problems[0]?.problem ?? '', c.problem);
    });
  }

  test('unrelated variables are ignored', () => {
    assert.deepEqual(readEnvLayer({ CLANKER_NOPE: '1', PORT: '80' }), { table: {}, problems: [], keys: [] });
  });
});

describe('precedence: flags > env > file > defaults', () => {
  const file = { server: { port: 1000, host: '127.0.0.2' } };
  const env = { CLANKER_SERVER_PORT: '2000' };
  const cases: Array<{ name: string; file: Record<string, unknown>; env: Record<string, string>; flags: ConfigFlags; port: number }> = [
    { name: 'defaults', file: {}, env: {}, flags: {}, port: 18789 },
    { name: 'file over defaults', file, env: {}, flags: {}, port: 1000 },
    { name: 'env over file', file, env, flags: {}, port: 2000 },
    { name: 'flag over env', file, env, flags: { port: 3000 }, port: 3000 },
  ];
  for (const c of cases) {
    test(c.name, () => assert.equal(build(c.file, c.env, c.flags).config.server.port, c.port));
  }

  test('layers merge key by key', () => {
    const { config } = build(file, env, { dataDir: '/tmp/d', logLevel: 'debug' });
    assert.equal(config.server.host, '127.0.0.2');
    assert.equal(config.server.max_payload_bytes, 1_048_576);
    assert.equal(config.storage.data_dir, '/tmp/d');
    assert.equal(config.log.level, 'debug');
  });

  test('a bad flag names the flag', () => {
    const [p] = problemsOf({}, {}, { port: 70000 });
    assert.equal(p?.key, 'server.port (command-line flag)');
  });
});

describe('provider derivation', () => {
  const cases: Array<{ name: string; file?: Record<string, unknown>; env: Record<string, string>; provider: string; model: string; apiKey: string; warns: boolean }> = [
    { name: 'no keys → echo with one warning', env: {}, provider: 'echo', model: 'echo', apiKey: '', warns: true },
    { name: 'ANTHROPIC_API_KEY → anthropic', env: { ANTHROPIC_API_KEY: 'sk-ant-1' }, provider: 'anthropic', model: 'claude-sonnet-4-5', apiKey: 'sk-ant-1', warns: false },
    { name: 'OPENAI_API_KEY only → openai', env: { OPENAI_API_KEY: 'sk-oa-1' }, provider: 'openai', model: 'gpt-4o-mini', apiKey: 'sk-oa-1', warns: false },
    { name: 'both keys → anthropic', env: { ANTHROPIC_API_KEY: 'sk-ant-1', OPENAI_API_KEY: 'sk-oa-1' }, provider: 'anthropic', model: 'claude-sonnet-4-5', apiKey: 'sk-ant-1', warns: false },
    { name: 'CLANKER_AGENT_API_KEY → anthropic', env: { CLANKER_AGENT_API_KEY: 'k-1' }, provider: 'anthropic', model: 'claude-sonnet-4-5', apiKey: 'k-1', warns: false },
    { name: 'explicit provider and model win', file: { agent: { provider: 'openai', model: 'gpt-x' } }, env: { ANTHROPIC_API_KEY: 'a', OPENAI_API_KEY: 'sk-oa-1' }, provider: 'openai', model: 'gpt-x', apiKey: 'sk-oa-1', warns: false },
    { name: 'explicit echo ignores keys', file: { agent: { provider: 'echo' } }, env: { ANTHROPIC_API_KEY: 'a' }, provider: 'echo', model: 'echo', apiKey: '', warns: true },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const { config, warnings } = build(c.file ?? {}, c.env);
      assert.equal(config.agent.provider, c.provider);
      assert.equal(config.agent.model, c.model);
      assert.equal(config.agent.api_key, c.apiKey);
      assert.equal(warnings.length, c.warns ? 1 : 0, JSON.stringify(warnings));
    });
  }

  test('a named provider without its key is an error', () => {
    assert.deepEqual(problemsOf({ agent: { provider: 'openai' } }).map((p) => p.key), ['agent.api_key']);
    assert.deepEqual(problemsOf({ agent: { fallback: { provider: 'anthropic' } } }).map((p) => p.key), ['agent.fallback.api_key']);
  });
});

describe('required pairs and derived channel state', () => {
  const cases: Array<{ name: string; file: Record<string, unknown>; env?: Record<string, string>; keys: string[] }> = [
    { name: 'telegram enabled without token', file: { channels: { telegram: { enabled: true } } }, keys: ['channels.telegram.bot_token'] },
    { name: 'discord enabled without token', file: { channels: { discord: { enabled: true } } }, keys: ['channels.discord.bot_token'] },
    { name: 'telegram enabled with TELEGRAM_BOT_TOKEN', file: { channels: { telegram: { enabled: true } } }, env: { TELEGRAM_BOT_TOKEN: '1:abc' }, keys: [] },
    { name: 'telegram webhook without secret', file: { channels: { telegram: { bot_token: '1:abc', mode: 'webhook' } } }, keys: ['channels.telegram.webhook_secret'] },
    { name: 'tls cert without key', file: { server: { tls: { cert_file: 'c.pem' } } }, keys: ['server.tls.key_file'] },
    { name: 'tls key without cert', file: { server: { tls: { key_file: 'k.pem' } } }, keys: ['server.tls.cert_file'] },
    { name: 'non-loopback host without auth_token', file: { server: { host: '0.0.0.0' } }, keys: ['server.auth_token'] },
    { name: 'non-loopback host with auth_token', file: { server: { host: '0.0.0.0', auth_token: 'tok-123456' } }, keys: [] },
    { name: 'loopback names need no token', file: { server: { host: 'localhost' } }, keys: [] },
    { name: 'IPv6 loopback needs no token', file: { server: { host: '::1' } }, keys: [] },
    { name: 'env host without token', file: {}, env: { CLANKER_SERVER_HOST: '192.168.1.5' }, keys: ['server.auth_token'] },
  ];
  for (const c of cases) {
    test(c.name, () => assert.deepEqual(problemsOf(c.file, c.env).map((p) => p.key), c.keys));
  }

  test('a bot token turns its channel on', () => {
    const { config } = build({ channels: { discord: { bot_token: 'd-token' } } }, { TELEGRAM_BOT_TOKEN: '1:abc' });
    assert.equal(config.channels.discord.enabled, true);
    assert.equal(config.channels.telegram.enabled, true);
    assert.equal(config.channels.telegram.bot_token, '1:abc');
  });

  test('structural and cross-key problems are reported together', () => {
    const problems = problemsOf({ server: { port: 'eighty', hots: 'x' }, channels: { telegram: { enabled: true } } });
    assert.deepEqual(problems.map((p) => p.key).sort(), ['channels.telegram.bot_token', 'server.hots', 'server.port']);
  });

  test('a wrongly typed key does not cause follow-on problems', () => {
    assert.deepEqual(problemsOf({ server: { host: 0 } }).map((p) => p.key), ['server.host']);
  });
});

describe('TOML files', () => {
  test('a syntax error carries line and column', () => {
    assert.throws(() => parseToml('[server]\nport = 1\nhost = = "x"\n', 'bad.toml'), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.problems[0]?.key ?? '', /^bad\.toml:3:\d+$/);
      assert.match(err.problems[0]?.problem ?? '', /TOML syntax error/);
      return true;
    });
  });

  test('a TOML -0.0 or an env "-0" in an integer key is plain 0, so `config show` means the same thing', () => {
    assert.ok(Object.is(build(parseToml('[agent]\nmax_retries = -0.0\n', 'zero.toml')).config.agent.max_retries, 0));
    assert.ok(Object.is(build({}, { CLANKER_AGENT_MAX_RETRIES: '-0' }).config.agent.max_retries, 0));
  });

  test('renderDefaultToml parses back to exactly the defaults', () => {
    const parsed = JSON.parse(JSON.stringify(parse(renderDefaultToml()))) as unknown;
    assert.deepEqual(parsed, Value.Default(ConfigSchema, {}));
    assert.deepEqual(validateLayer(parsed), []);
  });

  test('renderDefaultToml names every environment variable', () => {
    const text = renderDefaultToml();
    for (const key of CONFIG_KEYS) assert.ok(text.includes(key.envName), `${key.envName} missing`);
  });

  test('renderEffectiveToml shows every set secret as "***" and keeps the rest', () => {
    const { config } = build({ server: { auth_token: 'tok-secret-1' }, agent: { api_key: 'key-secret-2' }, channels: { discord: { bot_token: 'dc-secret-3' } } },
      { TELEGRAM_BOT_TOKEN: '42:tg-secret-4' });
    const text = renderEffectiveToml(config);
    for (const s of ['tok-secret-1', 'key-secret-2', 'dc-secret-3', 'tg-secret-4']) assert.ok(!text.includes(s), s);
    const shown = parse(text) as unknown as typeof config;
    assert.equal(shown.server.auth_token, '***');
    assert.equal(shown.agent.api_key, '***');
    assert.equal(shown.channels.telegram.bot_token, '***');
    assert.equal(shown.channels.discord.bot_token, '***');
    assert.equal(shown.agent.fallback.api_key, '', 'unset secrets stay empty');
    assert.equal(shown.server.port, 18789);
    assert.deepEqual(secretValues(config).sort(), ['42:tg-secret-4', 'dc-secret-3', 'key-secret-2', 'tok-secret-1']);
  });
});

describe('schema keys', () => {
  const names: Array<[string[], string]> = [
    [['server', 'port'], 'CLANKER_SERVER_PORT'],
    [['server', 'auth_token'], 'CLANKER_SERVER_AUTH_TOKEN'],
    [['server', 'tls', 'cert_file'], 'CLANKER_SERVER_TLS_CERT_FILE'],
    [['agent', 'api_key'], 'CLANKER_AGENT_API_KEY'],
    [['agent', 'fallback', 'model'], 'CLANKER_AGENT_FALLBACK_MODEL'],
    [['channels', 'telegram', 'bot_token'], 'CLANKER_TELEGRAM_BOT_TOKEN'],
    [['channels', 'discord', 'bot_token'], 'CLANKER_DISCORD_BOT_TOKEN'],
  ];
  for (const [path, env] of names) test(`${path.join('.')} → ${env}`, () => assert.equal(envNameFor(path), env));

  test('every key has a distinct, well-formed env name and a description', () => {
    const envNames = CONFIG_KEYS.map((k) => k.envName);
    assert.equal(new Set(envNames).size, envNames.length);
    for (const key of CONFIG_KEYS) {
      assert.match(key.envName, /^CLANKER_[A-Z0-9_]+$/);
      assert.equal(typeof key.schema.description, 'string', key.path.join('.'));
    }
  });

  test('exactly the secret keys are marked secret', () => {
    assert.deepEqual(CONFIG_KEYS.filter((k) => k.secret).map((k) => k.path.join('.')).sort(), [
      'agent.api_key', 'agent.fallback.api_key', 'channels.discord.bot_token', 'channels.telegram.bot_token',
      'channels.telegram.webhook_secret', 'server.auth_token',
    ]);
  });
});
