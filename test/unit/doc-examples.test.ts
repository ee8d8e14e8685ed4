// The docs example checker itself: it must catch drift (a key added or removed, a changed value) and parse the blocks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { docExamples, lineMatches, mismatch } from '../helpers/doc-examples.js';

test('mismatch: same keys, any number, <...> patterns, open arrays with "..."', () => {
  const ok: Array<[unknown, unknown]> = [
    [{ a: 1, b: 'x' }, { b: 'x', a: 99 }],
    [{ id: 'ws:<uuid>' }, { id: 'ws:3f2a-11' }],
    [[1, '...'], [5, 6, 7]],
    [[], []],
    [{ v: null, ok: true }, { v: null, ok: true }],
  ];
  for (const [doc, actual] of ok) assert.equal(mismatch(doc, actual), undefined, JSON.stringify([doc, actual]));
  const bad: Array<[unknown, unknown, RegExp]> = [
    [{ a: 1 }, { a: 1, b: 2 }, /keys/],
    [{ a: 1, b: 2 }, { a: 1 }, /keys/],
    [{ a: 'x' }, { a: 'y' }, /\$\.a: expected "x"/],
    [{ a: 1 }, { a: '1' }, /expected a number/],
    [{ id: 'ws:<uuid>' }, { id: 'http:1' }, /does not match/],
    [[1], [1, 2], /expected 1 items/],
    [[1, '...'], [], /at least 1/],
    [{ ok: true }, { ok: false }, /expected true/],
  ];
  for (const [doc, actual, pattern] of bad) assert.match(mismatch(doc, actual) ?? '', pattern);
  assert.ok(lineMatches('metric{a="b"} <n>', 'metric{a="b"} 12'));
  assert.ok(!lineMatches('metric{a="b"} <n>', 'metric{a="c"} 12'));
});

test('docExamples: http request/response pairs and ws transcripts', () => {
  const md = [
    '```http request', 'POST /api/chat', 'Authorization: Bearer T', '', '{"text":"hi"}', '```',
    '```json response 200', '{"text":"hi"}', '```',
    '```json', '{"not":"an example"}', '```',
    '```text ws no-auth', '> {"type":"req","id":"1","method":"ping"}', '< {"type":"res","id":"1","ok":true,"result":{}}', '< close 4401 unauthorized', '```',
  ].join('\n');
  const [http, ws, ...rest] = docExamples(md);
  assert.deepEqual(rest, []);
  assert.deepEqual(http, { kind: 'http', line: 1, method: 'POST', path: '/api/chat', headers: { authorization: 'Bearer T' }, body: '{"text":"hi"}', expect: { status: 200, mode: 'json', text: '{"text":"hi"}' } });
  assert.deepEqual(ws, {
    kind: 'ws', line: 13, auth: false,
    steps: [
      { dir: 'send', text: '{"type":"req","id":"1","method":"ping"}' },
      { dir: 'receive', frame: { type: 'res', id: '1', ok: true, result: {} } },
      { dir: 'close', code: 4401, reason: 'unauthorized' },
    ],
  });
});
