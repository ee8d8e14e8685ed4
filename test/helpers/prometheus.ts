// A strict little reader of Prometheus text exposition, for tests: every sample line must parse, or it throws.

/** One sample line: `name{label="value",...} value`. */
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*"(?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*")*,?)?\})? ([+-]?(?:\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|[Nn][Aa][Nn]|[Ii][Nn][Ff]))(?: -?\d+)?$/;

export interface Sample { name: string; labels: Record<string, string>; value: number }

/** A sample value as Prometheus reads it (Go's ParseFloat: NaN and Inf in any case, e.g. prom-client's "Nan"). */
function parseValue(raw: string): number {
  const lower = raw.toLowerCase();
  if (lower === 'nan') return NaN;
  if (lower.endsWith('inf')) return lower.startsWith('-') ? -Infinity : Infinity;
  return Number(raw);
}

/** Parses every line; blank lines and comments (`# HELP`, `# TYPE`, any `#`) are skipped, any other line that does not parse throws. */
export function parsePrometheus(text: string): Sample[] {
  const samples: Sample[] = [];
  text.split('\n').forEach((line, i) => {
    if (line === '' || line.startsWith('#')) return;
    const m = SAMPLE.exec(line);
    if (!m) throw new Error(`line ${i + 1} is not Prometheus text: ${JSON.stringify(line)}`);
    const labels: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[k as string] = (v as string).replace(/\\(.)/g, '$1');
    samples.push({ name: m[1] as string, labels, value: parseValue(m[3] as string) });
  });
  return samples;
}

/** The value of the sample with this name whose labels include `labels`, or 0 when there is none (yet). */
export function sampleValue(samples: readonly Sample[], name: string, labels: Record<string, string> = {}): number {
  const found = samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  return found?.value ?? 0;
}
