// Builds the effective config: embedded defaults < TOML file < CLANKER_* env < command-line flags.
import { existsSync, readFileSync } from 'node:fs';
import { Value } from '../vendor/typebox.js';
import { parse, TomlError } from 'smol-toml';
import { ConfigSchema, type Config } from './schema.js';
import { ConfigError, type ConfigProblem } from './errors.js';
import { isTable, keepValid, validateLayer } from './validate.js';
import { readEnvLayer, setPath, type Env } from './env.js';
import { resolveConfig } from './resolve.js';

export const CONFIG_SEARCH_PATHS = ['./clanker.toml', '/etc/open-clanker/config.toml'] as const;

/** Flags that `clanker serve` accepts, mapped onto config keys. */
export interface ConfigFlags { host?: string; port?: number; dataDir?: string; logLevel?: string }

export interface LoadedConfig {
  config: Config;
  /** The file read, or undefined when running on embedded defaults. */
  file?: string;
  /** Notes for the log at start (e.g. the echo provider warning); never contain secrets. */
  warnings: string[];
}

/** `--config`, then `$CLANKER_CONFIG`, then ./clanker.toml, then /etc/open-clanker/config.toml. */
export function findConfigFile(explicit: string | undefined, env: Env): string | undefined {
  if (explicit) return explicit;
  if (env.CLANKER_CONFIG) return env.CLANKER_CONFIG;
  return CONFIG_SEARCH_PATHS.find((p) => existsSync(p));
}

/** Parses TOML text; syntax errors become a problem with line and column. */
export function parseToml(text: string, source: string): Record<string, unknown> {
  try {
    return parse(text) as Record<string, unknown>;
  } catch (err) {
    if (err instanceof TomlError) {
      const first = err.message.split('\n')[0] ?? 'syntax error';
      throw new ConfigError([{ key: `${source}:${err.line}:${err.column}`, problem: `TOML syntax error: ${first}`, expected: 'valid TOML' }], source);
    }
    throw err;
  }
}

function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const prev = out[k];
    // -0 (env "-0", TOML -0.0) becomes 0, what `config show` prints for it, so the shown config means the same.
    out[k] = isTable(prev) && isTable(v) ? deepMerge(prev, v) : Object.is(v, -0) ? 0 : v;
  }
  return out;
}

function flagLayer(flags: ConfigFlags): Record<string, unknown> {
  const table: Record<string, unknown> = {};
  if (flags.host !== undefined) setPath(table, ['server', 'host'], flags.host);
  if (flags.port !== undefined) setPath(table, ['server', 'port'], flags.port);
  if (flags.dataDir !== undefined) setPath(table, ['storage', 'data_dir'], flags.dataDir);
  if (flags.logLevel !== undefined) setPath(table, ['log', 'level'], flags.logLevel);
  return table;
}

/** Merges the layers and validates the result, throwing one ConfigError listing every problem. */
export function buildConfig(fileTable: Record<string, unknown>, env: Env, flags: ConfigFlags = {}, source?: string): LoadedConfig {
  const problems: ConfigProblem[] = validateLayer(fileTable);
  const envLayer = readEnvLayer(env);
  problems.push(...envLayer.problems);
  const flags_ = flagLayer(flags);
  problems.push(...validateLayer(flags_).map((p) => ({ ...p, key: `${p.key} (command-line flag)` })));

  // Cross-key rules run on the valid keys even when others are wrong, so one check lists every problem.
  const defaults = Value.Default(ConfigSchema, {}) as Record<string, unknown>;
  const merged = deepMerge(deepMerge(deepMerge(defaults, keepValid(fileTable)), envLayer.table), keepValid(flags_)) as Config;
  const { config, warnings, problems: semantic } = resolveConfig(merged, env);
  problems.push(...semantic);
  if (problems.length > 0) throw new ConfigError(problems, source);
  return { config, file: source, warnings };
}

/** Finds, reads and validates the config for a command. */
export function loadConfig(opts: { file?: string; env?: Env; flags?: ConfigFlags } = {}): LoadedConfig {
  const env = opts.env ?? process.env;
  const file = findConfigFile(opts.file, env);
  let table: Record<string, unknown> = {};
  if (file !== undefined) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (err as Error).message;
      throw new ConfigError([{ key: file, problem: `cannot read config file: ${reason}`, expected: 'a readable TOML file' }], file);
    }
    table = parseToml(text, file);
  }
  return buildConfig(table, env, opts.flags, file);
}
