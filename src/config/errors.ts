// Configuration problems: each names the key path, what is wrong and what was expected.

export interface ConfigProblem {
  /** Dotted key path, e.g. `server.port`; the env variable is appended when the value came from one. */
  key: string;
  problem: string;
  expected: string;
}

export function formatProblem(p: ConfigProblem): string {
  return `${p.key}: ${p.problem} (expected ${p.expected})`;
}

/** Thrown when a configuration cannot be used; carries every problem found, not just the first. */
export class ConfigError extends Error {
  readonly code = 'bad_config';
  constructor(readonly problems: ConfigProblem[], readonly source?: string) {
    super(`invalid configuration${source ? ` in ${source}` : ''}:\n` + problems.map(formatProblem).join('\n'));
    this.name = 'ConfigError';
  }
}
