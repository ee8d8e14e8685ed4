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
