// Reliability suite, config surface: hostile TOML text, tables and env values only ever give a ConfigError or a valid config.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Value } from '../../src/vendor/typebox.js';
import { CONFIG_KEYS, ConfigSchema, type Config } from '../../src/config/schema.js';
import { buildConfig, parseToml } from '../../src/config/load.js';
import { ConfigError } from '../../src/config/errors.js';
import { redactConfig, renderEffectiveToml } from '../../src/config/render.js';
import { hostileJson, hostileKey, hostileString, NASTY_KEYS, prototypePolluted } from '../helpers/hostile-arbs.js';

const SECRET = 'SeCrEt-fuzz-0123456789abcdef';
const RUNS = 300;

/** Builds a config; a ConfigError is an expected outcome, anything else thrown fails the property. */
function attempt(build: () => { config: Config }): { config?: Config; error?: ConfigError } {
  try {
    return { config: build().config };
  } catch (err) {
    if (err instanceof ConfigError) return { error: err };
    throw err;
  }
}

/** What every outcome must satisfy: a valid config or a readable error, no secret echoed, no pollution. */
function checkOutcome(out: { config?: Config; error?: ConfigError }): 'accepted' | 'refused' {
  assert.ok(!prototypePolluted(), 'Object.prototype was polluted');
  if (out.error) {
    assert.ok(out.error.problems.length > 0);
    for (const p of out.error.problems) {
      for (const field of [p.key, p.problem, p.expected]) assert.equal(typeof field, 'string');
    }
    assert.ok(!out.error.message.includes(SECRET), `a secret was echoed: ${out.error.message.slice(0, 300)}`);
    // Problems name keys and show values cut short: a huge input must not make a huge message.
    assert.ok(out.error.message.length <= 400 * out.error.problems.length + 200, `message of ${out.error.message.length} chars`);
    return 'refused';
  }
  const config = out.config as Config;
  assert.ok(Value.Check(ConfigSchema, config), 'the config does not match the schema');
  const shown = renderEffectiveToml(config);
  assert.ok(!shown.includes(SECRET), '`config show` printed a secret');
  // `config show` output is itself a valid config file that means the same thing (secrets as ***).
  const again = attempt(() => buildConfig(parseToml(shown, 'shown.toml'), {}));
  assert.ok(again.config, `config show output does not load: ${again.error?.message ?? ''}`);
  assert.deepEqual(redactConfig(again.config), redactConfig(config));
  return 'accepted';
}

/** Counts outcomes per kind for the closing diagnostics. */
function counter(): { seen: (o: 'accepted' | 'refused') => void; text: () => string } {
  const n = { accepted: 0, refused: 0 };
  return { seen: (o) => { n[o]++; }, text: () => `${n.accepted + n.refused} tried (${n.accepted} accepted, ${n.refused} refused with ConfigError)` };
}

const SECTIONS = ['server', 'storage', 'workers', 'log', 'agent', 'channels', 'tls', 'telegram', 'discord', 'fallback', 'budget'];
const LEAVES = [...new Set(CONFIG_KEYS.map((k) => k.path[k.path.length - 1] as string))];
const VALUES = ['1', '0', '-1', '65536', '1.5', '1e400', 'inf', 'nan', 'true', '""', '"plain text"', "'lit'", '"""multi\nline"""', '[]', '[1, "a"]', '{ a = 1 }', '1979-05-27T07:32:00Z', '0x7fffffffffffffff', '"\\u0000"', '"\\uD800"'];
const SECRET_PATHS = CONFIG_KEYS.filter((k) => k.secret).map((k) => k.path.join('.'));
const FRAGMENTS = ['[', ']', '[[', ']]', '=', '"', "'", '{', '}', ',', '.', '#', ' ', '\n', '\r\n', '\t', '\u0000', '\u001b', '\ufeff', '\\'];

/** Lines that look like TOML, put together from the schema's own names, hostile keys and broken pieces. */
const tomlish = fc.array(fc.oneof(
  fc.tuple(fc.constantFrom(...SECTIONS, ...NASTY_KEYS), fc.constantFrom('', '.server', '.telegram', '.__proto__')).map(([a, b]) => `[${a}${b}]`),
  fc.tuple(fc.constantFrom(...LEAVES, ...NASTY_KEYS), fc.constantFrom(...VALUES)).map(([k, v]) => `${k} = ${v}`),
  fc.tuple(fc.constantFrom(...SECTIONS), fc.constantFrom(...LEAVES), fc.constantFrom(...VALUES)).map(([s, k, v]) => `${s}.${k} = ${v}`),
  // The secret only at secret keys: a non-secret key (server.host) may rightly be echoed in its error.
  fc.constantFrom(...SECRET_PATHS).map((path) => `${path} = "${SECRET}"`),
  fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 8 }).map((parts) => parts.join('')),
  hostileString,
), { maxLength: 12 }).map((lines) => lines.join('\n'));

/** Tables shaped like the schema (sections and leaf names) filled with hostile values and keys. */
const plainTable: fc.Arbitrary<Record<string, unknown>> = fc.dictionary(
  fc.oneof(fc.constantFrom(...SECTIONS), hostileKey),
  fc.oneof(
    fc.dictionary(fc.oneof(fc.constantFrom(...LEAVES, ...SECTIONS), hostileKey), fc.oneof(hostileJson, fc.date()), { maxKeys: 6 }),
    hostileJson,
  ),
  { maxKeys: 4 },
);

/** The secret at real secret keys, as itself or wrapped in the wrong type (which must not echo it either). */
const secretsPlaced = fc.subarray(CONFIG_KEYS.filter((k) => k.secret).map((k) => k.path)).chain((paths) =>
  fc.tuple(...paths.map(() => fc.constantFrom<unknown>(SECRET, [SECRET], { t: SECRET }, [[SECRET]]))).map((values) => ({ paths, values })));

const table: fc.Arbitrary<Record<string, unknown>> = fc.tuple(plainTable, secretsPlaced).map(([tbl, { paths, values }]) => {
  const out = structuredClone(tbl);
  paths.forEach((path, i) => {
    let node: Record<string, unknown> = out;
    for (const part of path.slice(0, -1)) {
      const next = Object.hasOwn(node, part) ? node[part] : undefined;
      node = typeof next === 'object' && next !== null && !Array.isArray(next) && !(next instanceof Date)
        ? next as Record<string, unknown>
        : (node[part] = {}) as Record<string, unknown>;
    }
    node[path[path.length - 1] as string] = values[i];
  });
  return out;
});

/** What an environment variable can hold: UTF-8 text (lone surrogates become U+FFFD) without NUL. */
const envText = (s: string): string => Buffer.from(s.replace(/\0/g, ''), 'utf8').toString('utf8');

const SECRET_ENV = [...CONFIG_KEYS.filter((k) => k.secret).map((k) => k.envName), 'ANTHROPIC_API_KEY', 'OPENAI_API_KEY', 'TELEGRAM_BOT_TOKEN', 'DISCORD_BOT_TOKEN'];
const PLAIN_ENV = CONFIG_KEYS.filter((k) => !k.secret).map((k) => k.envName);

/** Env layers: plain keys get hostile or plausible text, secret keys get the secret (which must never be echoed). */
const envLayer: fc.Arbitrary<Record<string, string>> = fc.tuple(
  fc.dictionary(fc.constantFrom(...PLAIN_ENV), fc.oneof(hostileString.map(envText), fc.constantFrom('1', '0', 'true', 'off', ' 8080 ', '127.0.0.1', '0.0.0.0', 'anthropic', 'webhook')), { maxKeys: 6 }),
  fc.subarray(SECRET_ENV),
).map(([plain, secrets]) => ({ ...plain, ...Object.fromEntries(secrets.map((name) => [name, SECRET])) }));

describe('reliability: config (TOML text, tables, env)', () => {
  test('hostile TOML text: a ConfigError with a line and column, or a valid config', (t) => {
    const n = counter();
    fc.assert(fc.property(tomlish, (text) => {
      n.seen(checkOutcome(attempt(() => buildConfig(parseToml(text, 'fuzz.toml'), {}))));
    }), { numRuns: RUNS * 2 });
    t.diagnostic(`config TOML texts: ${n.text()}`);
  });

  test('hostile tables (wrong types, pollution keys, secrets in odd places): ConfigError or valid config', (t) => {
    const n = counter();
    fc.assert(fc.property(table, (tbl) => {
      n.seen(checkOutcome(attempt(() => buildConfig(tbl, {}))));
    }), { numRuns: RUNS });
    t.diagnostic(`config tables: ${n.text()}`);
  });

  test('hostile CLANKER_* environment values: ConfigError or valid config, secrets never echoed', (t) => {
    const n = counter();
    fc.assert(fc.property(envLayer, fc.oneof(table, fc.constant({})), (env, tbl) => {
      n.seen(checkOutcome(attempt(() => buildConfig(tbl, env))));
    }), { numRuns: RUNS });
    t.diagnostic(`config env layers: ${n.text()}`);
  });

  test('hostile strings in every string key: `config show` round-trips them and hides the secrets', (t) => {
    const n = counter();
    const stringKeys = CONFIG_KEYS.filter((k) => k.schema.type === 'string' && !k.secret && !/host|file|dir/.test(k.path.join('.')));
    const layer = fc.tuple(fc.subarray(stringKeys, { minLength: 1 }), fc.array(hostileString.map(envText), { minLength: stringKeys.length, maxLength: stringKeys.length }))
      .map(([keys, values]) => Object.fromEntries(keys.map((k, i) => [k.envName, values[i] ?? ''])));
    fc.assert(fc.property(layer, fc.subarray(SECRET_ENV), (env, secretNames) => {
      const withSecrets = { ...env, ...Object.fromEntries(secretNames.map((name) => [name, SECRET])) };
      n.seen(checkOutcome(attempt(() => buildConfig({}, withSecrets))));
    }), { numRuns: RUNS / 3 });
    t.diagnostic(`config show round-trips: ${n.text()}`);
  });

  test('nesting, size and pollution extremes', () => {
    const cases = [
      'a = ' + '['.repeat(100_000) + ']'.repeat(100_000),
      'a = ' + '{b='.repeat(50_000) + '1' + '}'.repeat(50_000),
      '[' + Array.from({ length: 20_000 }, () => 'k').join('.') + ']',
      '[__proto__]\npolluted = 1\n', '__proto__ = { polluted = 1 }\n', '[server.__proto__]\npolluted = 1\n',
      '[constructor.prototype]\npolluted = 1\n', `${'x'.repeat(200_000)} = 1`, `[server]\nhost = "${'h'.repeat(200_000)}"`,
      `[agent]\napi_key = ["${SECRET}"]`, `[server]\nauth_token = { t = "${SECRET}" }`,
    ];
    for (const text of cases) {
      const out = attempt(() => buildConfig(parseToml(text, 'x.toml'), {}));
      checkOutcome(out);
      assert.ok(out.error, `accepted: ${text.slice(0, 60)}`);
    }
  });
});
