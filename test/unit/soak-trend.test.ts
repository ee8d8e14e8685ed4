// The soak's verdict on whether RSS levels off: slopes of the first and last thirds of a series.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { slope, trend, type Point } from '../../bench/lib/trend.js';

const series = (n: number, f: (t: number) => number): Point[] => Array.from({ length: n }, (_, i) => ({ t: i * 10, v: f(i * 10) }));

test('slope of a line, of a flat series, of too few points', () => {
  assert.equal(slope(series(10, (t) => 3 * t + 7)), 3);
  assert.equal(slope(series(10, () => 5)), 0);
  assert.equal(slope([{ t: 0, v: 1 }]), 0);
});

test('levels off: warm-up then flat, flat, noisy flat, shrinking', () => {
  const cases: Array<[string, Point[]]> = [
    ['warm-up then flat', series(60, (t) => 100 + 80 * (1 - Math.exp(-t / 60)))],
    ['flat', series(30, () => 120)],
    ['noisy flat', series(30, (t) => 120 + ((t / 10) % 3) - 1)],
    ['shrinking', series(30, (t) => 200 - t / 10)],
  ];
  for (const [name, points] of cases) assert.equal(trend(points).levelsOff, true, name);
});

test('does not level off: a steady leak, a leak that speeds up', () => {
  assert.equal(trend(series(60, (t) => 100 + t / 2)).levelsOff, false, 'steady 30 MB/min');
  assert.equal(trend(series(60, (t) => 100 + (t * t) / 2000)).levelsOff, false, 'accelerating');
});
