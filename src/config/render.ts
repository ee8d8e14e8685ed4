// Renders config as TOML: the commented template for `config init` and the redacted view for `config show`.
import { stringify } from 'smol-toml';
import { CONFIG_KEYS, sectionPaths, type Config } from './schema.js';
import { isTable } from './validate.js';

export const REDACTED = '***';

function tomlValue(value: unknown): string {
  // stringify needs a table; render one key and take its right-hand side.
  return stringify({ v: value }).replace(/^v = /, '').trim();
}

/** A complete config file with every key at its default and a comment saying what it does. */
export function renderDefaultToml(): string {
  const lines = ['# Open Clanker configuration. Every key is optional; shown values are the defaults.',
    '# Each key can also be set by the environment variable named in its comment.', ''];
  for (const section of sectionPaths()) {
    const keys = CONFIG_KEYS.filter((k) => k.path.length === section.length + 1 && section.every((p, i) => k.path[i] === p));
    if (keys.length === 0) continue;
    lines.push(`[${section.join('.')}]`);
    for (const key of keys) {
      lines.push(`# ${String(key.schema.description)} (env ${key.envName})`);
      lines.push(`${key.path[key.path.length - 1]} = ${tomlValue(key.schema.default)}`);
    }
    lines.push('');
  }
  return lines.join('\n');
}

/** A copy of the config with every non-empty secret replaced by "***". */
export function redactConfig(config: Config): Record<string, unknown> {
  const copy = structuredClone(config) as unknown as Record<string, unknown>;
  for (const key of CONFIG_KEYS.filter((k) => k.secret)) {
    let node: unknown = copy;
    for (const part of key.path.slice(0, -1)) node = isTable(node) ? node[part] : undefined;
    const leaf = key.path[key.path.length - 1] as string;
    if (isTable(node) && node[leaf] !== '') node[leaf] = REDACTED;
  }
  return copy;
}

/** The effective config as TOML, secrets redacted. */
export function renderEffectiveToml(config: Config): string {
  return stringify(redactConfig(config)) + '\n';
}

/** Every configured secret value, for scrubbing text that might contain one. */
export function secretValues(config: Config): string[] {
  return CONFIG_KEYS.filter((k) => k.secret).map((k) => {
    let node: unknown = config;
    for (const part of k.path) node = isTable(node) ? node[part] : undefined;
    return typeof node === 'string' ? node : '';
  }).filter((v) => v.length >= 4);
}
