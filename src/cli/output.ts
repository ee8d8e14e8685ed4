// Shared CLI output helpers: one-line errors to stderr and a non-zero exit code.
import { ConfigError, formatProblem } from '../config/errors.js';

export function fail(err: unknown): void {
  if (err instanceof ConfigError) {
    for (const p of err.problems) process.stderr.write(`${formatProblem(p)}\n`);
  } else {
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
  }
  process.exitCode = 1;
}

/** A flag that must be a whole number, or a clear error naming it. */
export function intFlag(name: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n)) throw new Error(`--${name} must be an integer, got ${JSON.stringify(value)}`);
  return n;
}

/**
 * The value of `--name VALUE` (or `--name=VALUE`) exactly as typed. cac turns numeric-looking values into
 * numbers, which drops leading zeros and the last digits of 19-digit Discord ids, so read argv instead.
 */
export function stringFlag(name: string, parsed: unknown, argv: readonly string[] = process.argv): string | undefined {
  if (parsed === undefined) return undefined;
  for (let i = argv.length - 1; i >= 0; i--) {
    const arg = argv[i] ?? '';
    if (arg.startsWith(`--${name}=`)) return arg.slice(name.length + 3);
    if (arg === `--${name}` && i + 1 < argv.length) return argv[i + 1];
  }
  return String(parsed);
}

/** A flag the command cannot run without, as a string, or a clear error naming it. */
export function requiredFlag(name: string, parsed: unknown, argv: readonly string[] = process.argv): string {
  const value = stringFlag(name, parsed, argv);
  if (value === undefined || value === '' || typeof parsed === 'boolean') throw new Error(`--${name} is required (--${name} <value>)`);
  return value;
}
