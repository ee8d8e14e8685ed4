// The shared chunkText at Discord's sizes: the boundaries it prefers, code fences, surrogates, and properties over random text.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { chunkText, MIN_CHUNK_LIMIT } from '../../src/channels/chunk.js';

const para = (n: number, ch: string): string => Array.from({ length: n }, (_, i) => `${ch}${i}`).join(' ');
const isHigh = (c: number): boolean => c >= 0xd800 && c <= 0xdbff;
const isLow = (c: number): boolean => c >= 0xdc00 && c <= 0xdfff;

describe('chunkText', () => {
  test('short text is one chunk, blank text none', () => {
    assert.deepEqual(chunkText('hello', 100), ['hello']);
    assert.deepEqual(chunkText('x'.repeat(100), 100), ['x'.repeat(100)]);
    assert.deepEqual(chunkText('', 100), []);
    assert.deepEqual(chunkText(' \n\n ', 100), []);
  });

  test('rejects limits too small to hold fences', () => {
    assert.throws(() => chunkText('x', MIN_CHUNK_LIMIT - 1), RangeError);
    assert.throws(() => chunkText('x', 100.5), RangeError);
  });

  test('prefers the last paragraph break past half the limit', () => {
    const a = 'A'.repeat(60);
    const b = 'B'.repeat(30);
    const c = 'C'.repeat(50);
    assert.deepEqual(chunkText(`${a}\n\n${b}\n${c}`, 100), [a, `${b}\n${c}`]);
  });

  test('falls back to a line break, then a space, then a hard cut', () => {
    assert.deepEqual(chunkText(`${'A'.repeat(70)}\n${'B'.repeat(50)}`, 100), ['A'.repeat(70), 'B'.repeat(50)]);
    assert.deepEqual(chunkText(`${'A'.repeat(70)} ${'B'.repeat(50)}`, 100), ['A'.repeat(70), 'B'.repeat(50)]);
    assert.deepEqual(chunkText('x'.repeat(250), 100), ['x'.repeat(100), 'x'.repeat(100), 'x'.repeat(50)]);
  });

  test('a paragraph break too early loses to a later line break', () => {
    const text = `${'A'.repeat(10)}\n\n${'B'.repeat(70)}\n${'C'.repeat(40)}`;
    assert.deepEqual(chunkText(text, 100), [`${'A'.repeat(10)}\n\n${'B'.repeat(70)}`, 'C'.repeat(40)]);
  });

  test('a code block cut in two is closed and reopened with its language', () => {
    const lines = Array.from({ length: 30 }, (_, i) => `line ${String(i).padStart(2, '0')}`);
    const text = `Intro.\n\n\`\`\`ts\n${lines.join('\n')}\n\`\`\`\n\nOutro.`;
    const chunks = chunkText(text, 120);
    assert.ok(chunks.length > 2);
    for (const chunk of chunks) {
      assert.ok(chunk.length <= 120);
      assert.equal((chunk.match(/```/g) ?? []).length % 2, 0, `unbalanced fences in ${JSON.stringify(chunk)}`);
    }
    assert.ok(chunks[1]?.startsWith('```ts\n'));
    assert.ok(chunks[0]?.endsWith('\n```'));
    const code = chunks.join('\n').replace(/```ts\n|\n```/g, '\n');
    for (const line of lines) assert.ok(code.includes(line), line);
    assert.ok(chunks.at(-1)?.endsWith('Outro.'));
  });

  test('never splits a surrogate pair at a hard cut', () => {
    const text = '😀'.repeat(150);
    const chunks = chunkText(text, 101);
    assert.equal(chunks.join(''), text);
    for (const chunk of chunks) {
      assert.ok(chunk.length <= 101);
      assert.ok(!isHigh(chunk.charCodeAt(chunk.length - 1)));
      assert.ok(!isLow(chunk.charCodeAt(0)));
    }
  });

  test('a 5,000-character answer in paragraphs becomes three Discord messages', () => {
    const text = Array.from({ length: 10 }, (_, i) => para(200, String.fromCharCode(97 + i)).slice(0, 498)).join('\n\n');
    assert.equal(text.length, 4998);
    const chunks = chunkText(text, 2000);
    assert.equal(chunks.length, 3);
    assert.ok(chunks.every((c) => c.length <= 2000));
    assert.equal(chunks.join('\n\n'), text);
  });

  test('properties: within the limit, no split surrogates, nothing but whitespace lost (fence-free text)', () => {
    const piece = fc.constantFrom('word', ' ', '\n', '\n\n', '😀', 'é', 'x'.repeat(40), '\t');
    fc.assert(fc.property(fc.array(piece, { maxLength: 300 }), fc.integer({ min: MIN_CHUNK_LIMIT, max: 300 }), (parts, limit) => {
      const text = parts.join('');
      const chunks = chunkText(text, limit);
      for (const chunk of chunks) {
        assert.ok(chunk.length <= limit);
        assert.ok(chunk.trim() !== '');
        assert.ok(!isHigh(chunk.charCodeAt(chunk.length - 1)) && !isLow(chunk.charCodeAt(0)));
      }
      assert.equal(chunks.join('').replace(/\s/g, ''), text.replace(/\s/g, ''));
    }), { numRuns: 300 });
  });

  test('property: text with whole code blocks keeps every chunk within the limit with balanced fences', () => {
    const piece = fc.constantFrom('\n```js\ncode();\ncode();\n```\n', `\n\`\`\`\n${'x = 1;\n'.repeat(30)}\`\`\`\n`, 'text ', '\n\n', 'y'.repeat(50));
    fc.assert(fc.property(fc.array(piece, { maxLength: 200 }), fc.integer({ min: MIN_CHUNK_LIMIT, max: 2000 }), (parts, limit) => {
      for (const chunk of chunkText(parts.join(''), limit)) {
        assert.ok(chunk.length <= limit);
        assert.equal((chunk.match(/^```/gm) ?? []).length % 2, 0, JSON.stringify(chunk));
      }
    }), { numRuns: 300 });
  });
});
