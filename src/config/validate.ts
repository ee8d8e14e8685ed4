// Structural validation of one config layer (file or env) against the schema, collecting every problem.
import { Value, type TSchema } from '../vendor/typebox.js';
import { ConfigSchema, CONFIG_KEYS } from './schema.js';
import type { ConfigProblem } from './errors.js';

type Table = Record<string, unknown>;

export function isTable(value: unknown): value is Table {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/** Human text for what a schema accepts, e.g. `integer 0..65535` or `one of "polling", "webhook"`. */
export function describeExpected(schema: TSchema): string {
  if (Array.isArray(schema.anyOf)) {
    const literals = (schema.anyOf as TSchema[]).map((s) => JSON.stringify(s.const));
    return `one of ${literals.join(', ')}`;
  }
  if (schema.type === 'integer' || schema.type === 'number') {
    const min = schema.minimum as number | undefined;
    const max = schema.maximum as number | undefined;
    if (min !== undefined && max !== undefined) return `integer ${min}..${max}`;
    if (min !== undefined) return `integer >= ${min}`;
    return 'integer';
  }
  if (schema.type === 'array') return 'array of strings';
  if (schema.type === 'object') return 'a table';
  return String(schema.type);
}

/** A string as a JSON literal for messages, cut to `max` characters so huge values cannot flood them. */
export function quoted(text: string, max = 40): string {
  return JSON.stringify(text.length > max ? `${text.slice(0, max)}…` : text);
}

function describeValue(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (value instanceof Date) return 'date';
  if (isTable(value)) return 'table';
  return `${typeof value} ${typeof value === 'string' ? quoted(value) : JSON.stringify(value)}`;
}

function describeType(value: unknown): string {
  return describeValue(value).split(' ')[0] ?? 'value';
}

/** Edit distance, for "did you mean" suggestions. */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j] ?? 0;
      row[j] = Math.min((row[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length] ?? 0;
}

const ALL_PATHS = CONFIG_KEYS.map((k) => k.path.join('.'));

/** Longest key part shown in a problem; longer ones (only ever typos or junk) are cut. */
const MAX_SHOWN_KEY = 64;

/** A dotted key path for messages, each part cut to MAX_SHOWN_KEY characters so junk input cannot flood them. */
export function shownKey(path: readonly string[]): string {
  return path.map((p) => p.length > MAX_SHOWN_KEY ? `${p.slice(0, MAX_SHOWN_KEY)}…` : p).join('.');
}

/** The known key nearest to an unknown one: siblings first, then any key with the same last part. */
export function suggestKey(path: readonly string[], siblings: readonly string[]): string | undefined {
  const name = path[path.length - 1] ?? '';
  if (name.length > MAX_SHOWN_KEY) return undefined;
  const parent = path.slice(0, -1);
  const sibling = siblings
    .map((s) => ({ s, d: editDistance(name, s) }))
    .sort((x, y) => x.d - y.d)[0];
  if (sibling && sibling.d <= Math.max(2, Math.floor(name.length / 3))) return [...parent, sibling.s].join('.');
  return ALL_PATHS.find((p) => p.endsWith(`.${name}`));
}

/** The problem with one leaf value, if any; a secret key's value is never echoed back. */
export function checkLeaf(schema: TSchema, value: unknown, key: string): ConfigProblem[] {
  const describe = (v: unknown): string => schema.secret === true ? describeType(v) : describeValue(v);
  if (schema.type === 'array' && Array.isArray(value)) {
    const bad = value.findIndex((v) => typeof v !== 'string');
    if (bad >= 0) return [{ key: `${key}[${bad}]`, problem: `must be a string, got ${describe(value[bad])}`, expected: 'string' }];
    return [];
  }
  if (Value.Check(schema, value)) return [];
  const type = schema.type;
  const wrongType = Array.isArray(schema.anyOf) ? typeof value !== 'string'
    : type === 'integer' ? typeof value !== 'number' || !Number.isInteger(value)
    : type === 'array' ? !Array.isArray(value)
    : typeof value !== type;
  const wanted = describeExpected(schema).startsWith('one of') ? 'string' : String(type);
  const problem = wrongType ? `must be ${/^[aeiou]/.test(wanted) ? 'an' : 'a'} ${wanted}, got ${describe(value)}`
    : `${describe(value)} is not allowed`;
  return [{ key, problem, expected: describeExpected(schema) }];
}

/** Every structural problem of a (possibly partial) config table: unknown keys and wrong types. */
export function validateLayer(raw: unknown, schema: TSchema = ConfigSchema, prefix: string[] = []): ConfigProblem[] {
  const here = shownKey(prefix);
  if (!isTable(raw)) return [{ key: here || '(root)', problem: `must be a table, got ${describeValue(raw)}`, expected: 'a table' }];
  const props = (schema.properties ?? {}) as Record<string, TSchema>;
  const known = Object.keys(props);
  return Object.entries(raw).flatMap(([name, value]) => {
    const path = [...prefix, name];
    const key = shownKey(path);
    const child = props[name];
    if (child === undefined || !Object.hasOwn(props, name)) {
      const near = suggestKey(path, known);
      return [{ key, problem: 'unknown key', expected: near ? `a known key; did you mean ${near}?` : `one of ${known.join(', ')}` }];
    }
    if (child.type === 'object') return validateLayer(value, child, path);
    return checkLeaf(child, value, key);
  });
}

/** A copy of a layer with only its known, valid keys, so cross-key rules can still run when some are wrong. */
export function keepValid(raw: unknown, schema: TSchema = ConfigSchema): Table {
  if (!isTable(raw)) return {};
  const props = (schema.properties ?? {}) as Record<string, TSchema>;
  const out: Table = {};
  for (const [name, value] of Object.entries(raw)) {
    const child = Object.hasOwn(props, name) ? props[name] : undefined;
    if (child === undefined) continue;
    if (child.type === 'object') out[name] = keepValid(value, child);
    else if (checkLeaf(child, value, name).length === 0) out[name] = value;
  }
  return out;
}
