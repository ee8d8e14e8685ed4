// One clock for every process on the machine: wall time in milliseconds with sub-millisecond resolution.

/** performance.timeOrigin is the wall clock at process start (µs precision), so this compares across processes. */
export function wallMs(): number {
  return performance.timeOrigin + performance.now();
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The probe text every scenario sends: one word, so a streaming provider or channel cannot split it. */
export function probeText(n: number, t0 = wallMs()): string {
  return `t0=${t0.toFixed(3)}:n=${n}`;
}

/** Reads `t0` and `n` back from a frame or message holding a probe text; undefined when there is none. */
export function readProbe(text: string): { t0: number; n: number } | undefined {
  const i = text.indexOf('t0=');
  if (i < 0) return undefined;
  const j = text.indexOf(':n=', i);
  if (j < 0) return undefined;
  const t0 = Number(text.slice(i + 3, j));
  const n = parseInt(text.slice(j + 3, j + 16), 10);
  return Number.isFinite(t0) && Number.isFinite(n) ? { t0, n } : undefined;
}
