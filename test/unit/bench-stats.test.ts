// Tests of the benchmark statistics: nearest-rank percentiles and the mergeable log-bucketed histogram.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Histogram, percentile, ratio, round, summarize } from '../../bench/lib/stats.js';

describe('percentile (nearest rank)', () => {
  const sorted = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  for (const [p, want] of [[0, 1], [10, 1], [11, 2], [50, 5], [90, 9], [99, 10], [100, 10]] as const) {
    test(`p${p} of 1..10 is ${want}`, () => assert.equal(percentile(sorted, p), want));
  }
  test('empty sample gives NaN', () => assert.ok(Number.isNaN(percentile([], 50))));
});

describe('summarize', () => {
  test('sorts a copy and reports the extremes and mean', () => {
    const values = [5, 1, 4, 2, 3];
    const s = summarize(values);
    assert.deepEqual(values, [5, 1, 4, 2, 3]);
    assert.equal(s.count, 5);
    assert.equal(s.min, 1);
    assert.equal(s.max, 5);
    assert.equal(s.mean, 3);
    assert.equal(s.p50, 3);
    assert.equal(s.p99, 5);
  });
});

describe('Histogram', () => {
  test('percentiles are within 1% of the exact ones', () => {
    const values = Array.from({ length: 10_000 }, (_, i) => 0.05 + (i % 1000) * 0.037 + Math.floor(i / 1000) * 0.5);
    const h = new Histogram();
    for (const v of values) h.record(v);
    const exact = summarize(values);
    for (const key of ['p50', 'p90', 'p99', 'p999'] as const) {
      const got = h.summary()[key];
      assert.ok(Math.abs(got - exact[key]) <= exact[key] * 0.01, `${key}: ${got} vs ${exact[key]}`);
    }
    assert.equal(h.summary().min, exact.min);
    assert.equal(h.summary().max, exact.max);
  });

  test('merging the JSON of two halves equals recording everything in one', () => {
    const a = new Histogram();
    const b = new Histogram();
    const all = new Histogram();
    for (let i = 1; i <= 2000; i++) {
      const v = i / 100;
      (i % 2 === 0 ? a : b).record(v);
      all.record(v);
    }
    const merged = Histogram.from(JSON.parse(JSON.stringify(a.toJSON())));
    merged.merge(b.toJSON());
    assert.deepEqual(merged.summary(), all.summary());
  });

  test('an empty histogram reports NaN, and merging one changes nothing', () => {
    const h = new Histogram();
    assert.ok(Number.isNaN(h.percentile(50)));
    h.record(2);
    h.merge(new Histogram());
    assert.equal(h.count, 1);
    assert.equal(h.min, 2);
  });

  test('sub-microsecond and huge values land in the end buckets; the top rank is the exact max', () => {
    const h = new Histogram();
    h.record(0.0001);
    h.record(1e9);
    assert.ok(h.percentile(1) <= 0.001);
    assert.equal(h.percentile(100), 1e9);
  });
});

describe('round', () => {
  for (const [v, want] of [[1234.5678, 1235], [12.345, 12.3], [1.2345, 1.23], [0.12345, 0.123]] as const) {
    test(`${v} → ${want}`, () => assert.equal(round(v), want));
  }
});

describe('ratio', () => {
  for (const [ours, theirs, want] of [[6, 1.5, 4], [999, 1000, 0.999], [1, 3, 0.333], [250, 2, 125], [1, 0, NaN], [1, NaN, NaN]] as const) {
    test(`${ours} ÷ ${theirs} is ${want}`, () => assert.ok(Object.is(ratio(ours, theirs), want)));
  }
});
