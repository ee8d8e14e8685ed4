// Latency statistics for the benchmarks: exact percentiles of a sample and a mergeable log-bucketed histogram.

/** p50/p90/p99/p99.9 and friends of one latency distribution, in milliseconds. */
export interface LatencySummary {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

/** Nearest-rank percentile of an ascending sample: the smallest value with at least p% of the sample at or below it. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  if (p <= 0) return sorted[0] as number;
  const rank = Math.min(sorted.length, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] as number;
}

/** Summary of an unsorted sample (the sample is copied, not reordered). */
export function summarize(values: ArrayLike<number>): LatencySummary {
  const sorted = Float64Array.from(values).sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  const n = sorted.length;
  return {
    count: n,
    min: n > 0 ? (sorted[0] as number) : NaN,
    mean: n > 0 ? sum / n : NaN,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    p999: percentile(sorted, 99.9),
    max: n > 0 ? (sorted[n - 1] as number) : NaN,
  };
}

/** Buckets grow by 1% each, from 1 µs: any recorded value is off by at most 1% of itself. */
const GROWTH = 1.01;
const LOG_GROWTH = Math.log(GROWTH);
/** 1.01^2200 µs is about 90 minutes: longer latencies land in the last bucket. */
const BUCKETS = 2200;

/** The wire form of a Histogram, for sending across processes: [bucket, count] pairs plus exact extremes. */
export interface HistogramData { buckets: Array<[number, number]>; count: number; sum: number; min: number; max: number }

/** A latency histogram in milliseconds with 1% relative precision, cheap to record into and to merge across processes. */
export class Histogram {
  private readonly counts = new Float64Array(BUCKETS);
  count = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;

  static bucketOf(ms: number): number {
    const us = ms * 1000;
    if (!(us > 1)) return 0;
    return Math.min(BUCKETS - 1, Math.floor(Math.log(us) / LOG_GROWTH));
  }

  /** The value reported for a bucket: its geometric middle, in ms. */
  static valueOf(bucket: number): number {
    return bucket === 0 ? 0.001 : (GROWTH ** (bucket + 0.5)) / 1000;
  }

  record(ms: number): void {
    this.counts[Histogram.bucketOf(ms)]++;
    this.count++;
    this.sum += ms;
    if (ms < this.min) this.min = ms;
    if (ms > this.max) this.max = ms;
  }

  merge(other: Histogram | HistogramData): void {
    const data = other instanceof Histogram ? other.toJSON() : other;
    for (const [bucket, n] of data.buckets) this.counts[bucket] = (this.counts[bucket] ?? 0) + n;
    this.count += data.count;
    this.sum += data.sum;
    if (data.count > 0) {
      this.min = Math.min(this.min, data.min);
      this.max = Math.max(this.max, data.max);
    }
  }

  /** Nearest-rank percentile, clamped to the exact min and max seen. */
  percentile(p: number): number {
    if (this.count === 0) return NaN;
    const rank = Math.max(1, Math.min(this.count, Math.ceil((p / 100) * this.count)));
    if (rank === this.count) return this.max;
    let seen = 0;
    for (let b = 0; b < BUCKETS; b++) {
      seen += this.counts[b] as number;
      if (seen >= rank) return Math.min(this.max, Math.max(this.min, Histogram.valueOf(b)));
    }
    return this.max;
  }

  summary(): LatencySummary {
    const n = this.count;
    return {
      count: n,
      min: n > 0 ? this.min : NaN,
      mean: n > 0 ? this.sum / n : NaN,
      p50: this.percentile(50),
      p90: this.percentile(90),
      p99: this.percentile(99),
      p999: this.percentile(99.9),
      max: n > 0 ? this.max : NaN,
    };
  }

  toJSON(): HistogramData {
    const buckets: Array<[number, number]> = [];
    this.counts.forEach((n, b) => { if (n > 0) buckets.push([b, n]); });
    return { buckets, count: this.count, sum: this.sum, min: this.min, max: this.max };
  }

  static from(data: HistogramData): Histogram {
    const h = new Histogram();
    h.merge(data);
    return h;
  }
}

/** Rounds for display: 3 significant decimals below 10, fewer above. */
export function round(value: number): number {
  if (!Number.isFinite(value)) return value;
  const abs = Math.abs(value);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** ours ÷ theirs, rounded for display; NaN when theirs has no figure (0 or missing). */
export function ratio(ours: number, theirs: number): number {
  return theirs > 0 ? round(ours / theirs) : NaN;
}
