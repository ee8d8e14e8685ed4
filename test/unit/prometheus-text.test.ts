// The test helper that checks Prometheus text: what it accepts (as Prometheus does) and what it refuses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePrometheus, sampleValue } from '../helpers/prometheus.js';

test('parsePrometheus accepts samples, comments and the special values in any case', () => {
  const samples = parsePrometheus([
    '# HELP x_total Things', '# TYPE x_total counter', '# any comment', 'x_total{a="1",b="q\\"uote"} 3', 'y 1.5e3', 'lag Nan', 'le{le="+Inf"} +Inf', 'neg -Inf', '',
  ].join('\n'));
  assert.equal(sampleValue(samples, 'x_total', { a: '1' }), 3);
  assert.equal(samples[0]?.labels.b, 'q"uote');
  assert.equal(sampleValue(samples, 'y'), 1500);
  assert.ok(Number.isNaN(sampleValue(samples, 'lag')));
  assert.equal(sampleValue(samples, 'le'), Infinity);
  assert.equal(sampleValue(samples, 'neg'), -Infinity);
  assert.equal(sampleValue(samples, 'missing'), 0);
});

test('parsePrometheus refuses anything else, naming the line', () => {
  for (const bad of ['x{a=1} 2', 'x 1 2 3', '3x 1', 'x{a="1"}', ' x 1', 'x abc']) {
    assert.throws(() => parsePrometheus(`ok 1\n${bad}`), /line 2 is not Prometheus text/, bad);
  }
});
