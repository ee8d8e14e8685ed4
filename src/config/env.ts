// Reads `CLANKER_*` environment overrides into a partial config table, coercing by the schema's types.
import { CONFIG_KEYS, type ConfigKey } from './schema.js';
import type { ConfigProblem } from './errors.js';
import { checkLeaf, describeExpected, quoted } from './validate.js';

export type Env = Readonly<Record<string, string | undefined>>;

const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off']);

function coerce(key: ConfigKey, text: string): { value?: unknown; problem?: string } {
  switch (key.schema.type) {
    case 'integer': {
      const n = Number(text.trim());
      return Number.isInteger(n) && text.trim() !== '' ? { value: n } : { problem: `must be an integer, got ${quoted(text)}` };
    }
    case 'boolean': {
      const t = text.trim().toLowerCase();
      if (TRUE.has(t)) return { value: true };
      if (FALSE.has(t)) return { value: false };
      return { problem: `must be a boolean, got ${quoted(text)}` };
    }
    case 'array':
      return { value: text.split(',').map((s) => s.trim()).filter((s) => s !== '') };
    default:
      return { value: text };
  }
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (const part of path.slice(0, -1)) {
    const next = node[part];
    if (typeof next === 'object' && next !== null) node = next as Record<string, unknown>;
    else node = (node[part] = {}) as Record<string, unknown>;
  }
  node[path[path.length - 1] as string] = value;
}

export interface EnvLayer { table: Record<string, unknown>; problems: ConfigProblem[]; keys: string[] }

/** The overrides present in `env`, plus a problem for each that cannot be coerced. */
export function readEnvLayer(env: Env): EnvLayer {
  const table: Record<string, unknown> = {};
  const problems: ConfigProblem[] = [];
  const keys: string[] = [];
  for (const key of CONFIG_KEYS) {
    const text = env[key.envName];
    if (text === undefined) continue;
    const { value, problem } = coerce(key, text);
    const where = `${key.path.join('.')} (${key.envName})`;
    if (problem !== undefined) {
      const shown = key.secret ? problem.replace(/, got .*/, '') : problem;
      problems.push({ key: where, problem: shown, expected: describeExpected(key.schema) });
      continue;
    }
    // A well-typed value can still be out of range or not one of the allowed names.
    const invalid = checkLeaf(key.schema, value, where);
    if (invalid.length > 0) {
      problems.push(...invalid);
      continue;
    }
    setPath(table, key.path, value);
    keys.push(key.envName);
  }
  return { table, problems, keys };
}

export { setPath };
