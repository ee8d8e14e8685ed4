// Tests of the offline echo provider: splitting, streamed pieces, estimated usage, and abort.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { EchoProvider, splitForStreaming } from '../../src/agent/echo.js';

describe('splitForStreaming', () => {
  const table: [string, number][] = [['', 0], ['one', 1], ['one two', 2], ['a b c d e f g h', 4], ['  spaced  out  ', 3]];
  for (const [text, pieces] of table) {
    test(`${JSON.stringify(text)} → ${pieces} pieces that join back`, () => {
      const out = splitForStreaming(text);
      assert.equal(out.length, pieces);
      assert.equal(out.join(''), text);
    });
  }
});

describe('EchoProvider', () => {
  test('streams the last user message back with estimated usage', async () => {
    const deltas: string[] = [];
    const reply = await new EchoProvider().complete({
      system: 'sys!', maxTokens: 10, signal: new AbortController().signal,
      messages: [{ role: 'user', content: 'earlier' }, { role: 'assistant', content: 'ok' }, { role: 'user', content: 'say this back please' }],
    }, (d) => deltas.push(d));
    assert.equal(reply.text, 'say this back please');
    assert.equal(deltas.join(''), reply.text);
    assert.ok(deltas.length > 1);
    assert.deepEqual(reply.usage, { input: 1 + (2 + 4) + (1 + 4) + (5 + 4), output: 5 });
  });

  test('stops when aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(new EchoProvider().complete({ system: '', maxTokens: 10, signal: controller.signal, messages: [{ role: 'user', content: 'x y' }] }, () => undefined));
  });
});
