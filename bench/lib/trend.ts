// Whether a memory series levels off: least-squares slopes of its first and last thirds, compared.
export interface Point { t: number; v: number }

/** Least-squares slope of v over t (units of v per unit of t); 0 for fewer than two points. */
export function slope(points: readonly Point[]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mt = points.reduce((s, p) => s + p.t, 0) / n;
  const mv = points.reduce((s, p) => s + p.v, 0) / n;
  const num = points.reduce((s, p) => s + (p.t - mt) * (p.v - mv), 0);
  const den = points.reduce((s, p) => s + (p.t - mt) ** 2, 0);
  return den === 0 ? 0 : num / den;
}

export interface Trend {
  /** Slopes in units of v per minute when t is in seconds. */
  firstPerMin: number;
  lastPerMin: number;
  /** True when the last third grows at most `ratio` as fast as the first third, or less than `floorPerMin` at all. */
  levelsOff: boolean;
}

/**
 * Splits a series (t in seconds) into thirds and compares the slopes of the first and last: warm-up growth
 * (caches, JIT, LMDB pages) is expected early; a leak keeps the last third climbing as fast as the first.
 */
export function trend(points: readonly Point[], opts: { ratio?: number; floorPerMin?: number } = {}): Trend {
  const ratio = opts.ratio ?? 0.25;
  const floor = opts.floorPerMin ?? 1;
  const third = Math.max(2, Math.floor(points.length / 3));
  const firstPerMin = slope(points.slice(0, third)) * 60;
  const lastPerMin = slope(points.slice(-third)) * 60;
  return { firstPerMin, lastPerMin, levelsOff: lastPerMin <= floor || lastPerMin <= Math.max(0, firstPerMin) * ratio };
}
