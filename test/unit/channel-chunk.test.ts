/** Table and property tests for chunkText: limits, paragraph/code-block boundaries, fences reopened, surrogate pairs intact. */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { chunkText, MIN_CHUNK_LIMIT } from '../../src/channels/chunk.js';
import { renderTelegramHtml } from '../../src/channels/telegram/format.js';
import { TELEGRAM_LIMIT } from '../../src/channels/telegram/outbox.js';
import { parseTelegramHtml } from '../fakes/telegram-html.js';

const isHigh = (c: number): boolean => c >= 0xd800 && c <= 0xdbff;
const isLow = (c: number): boolean => c >= 0xdc00 && c <= 0xdfff;
const noSplitPairs = (chunk: string): boolean => !isLow(chunk.charCodeAt(0)) && !isHigh(chunk.charCodeAt(chunk.length - 1));
const fenceLines = (chunk: string): number => chunk.split('\n').filter((l) => /^```/.test(l)).length;
const squash = (s: string): string => s.replace(/\s+/g, '');

const paragraph = (i: number, len: number): string => `Paragraph ${i}: ${'lorem ipsum dolor sit amet '.repeat(Math.ceil(len / 27)).slice(0, len - 14)}.`;

describe('chunkText', () => {
  const tenK = Array.from({ length: 25 }, (_, i) => paragraph(i, 380)).join('\n\n');
  const cases: Array<[name: string, text: string, limit: number, check: (chunks: string[]) => void]> = [
    ['short text is one chunk', 'hello', 4096, (c) => assert.deepEqual(c, ['hello'])],
    ['empty and blank text give no chunks', ' \n\n ', 4096, (c) => assert.deepEqual(c, [])],
    ['exactly at the limit is one chunk', 'x'.repeat(4096), 4096, (c) => assert.equal(c.length, 1)],
    ['10,000 characters split on paragraph boundaries', tenK, 4096, (c) => {
      assert.ok(tenK.length >= 9_500, `fixture is ${tenK.length} chars`);
      assert.equal(c.length, 3);
      for (const chunk of c) {
        assert.match(chunk, /^Paragraph \d+:/);
        assert.match(chunk, /\.$/);
      }
      assert.equal(c.join('\n\n'), tenK);
    }],
    ['no spaces at all: hard cuts', 'x'.repeat(10_000), 4096, (c) => {
      assert.deepEqual(c.map((s) => s.length), [4096, 4096, 1808]);
    }],
    ['one long line splits on words', 'word '.repeat(2000).trim(), 4096, (c) => {
      for (const chunk of c) assert.match(chunk, /^word( word)*$/);
      assert.equal(c.join(' '), 'word '.repeat(2000).trim());
    }],
    ['emoji never split (10,000 UTF-16 units)', '🏟'.repeat(5000), 4096, (c) => {
      assert.ok(c.every(noSplitPairs));
      assert.equal(c.join(''), '🏟'.repeat(5000));
    }],
    ['emoji at an odd offset never split', `a${'😀'.repeat(5000)}`, 4096, (c) => {
      assert.ok(c.every(noSplitPairs));
      assert.equal(c.join(''), `a${'😀'.repeat(5000)}`);
    }],
    ['a long code block is closed and reopened with its language', `Intro.\n\n\`\`\`ts\n${Array.from({ length: 500 }, (_, i) => `const v${i} = ${i} < 2;`).join('\n')}\n\`\`\`\n\nOutro.`, 4096, (c) => {
      assert.ok(c.length >= 3);
      for (const chunk of c) assert.equal(fenceLines(chunk) % 2, 0, `unbalanced fences in ${chunk.slice(0, 40)}…`);
      for (const chunk of c.slice(1, -1)) assert.match(chunk, /^```ts\n/);
    }],
    ['text around a code block splits at the block boundary', `${'a'.repeat(3000)}\n\`\`\`\n${'b'.repeat(2000)}\n\`\`\`\n${'c'.repeat(100)}`, 4096, (c) => {
      assert.equal(c[0], 'a'.repeat(3000));
      assert.match(c[1] ?? '', /^```\nb+\n```\nc+$/);
    }],
    ['a code block with no newlines is hard-cut inside the fence', `\`\`\`\n${'z'.repeat(9000)}\n\`\`\``, 4096, (c) => {
      for (const chunk of c) {
        assert.ok(chunk.length <= 4096);
        assert.equal(fenceLines(chunk) % 2, 0);
      }
      assert.equal(squash(c.join('').replace(/```/g, '')), 'z'.repeat(9000));
    }],
  ];
  for (const [name, text, limit, check] of cases) {
    test(name, () => {
      const chunks = chunkText(text, limit);
      for (const chunk of chunks) assert.ok(chunk.length <= limit, `chunk of ${chunk.length} > ${limit}`);
      check(chunks);
    });
  }

  test('a limit below the minimum is refused', () => {
    assert.throws(() => chunkText('x', MIN_CHUNK_LIMIT - 1), RangeError);
  });
});

test('every Telegram chunk of a long Markdown answer renders to valid HTML within 4096 characters', () => {
  const answer = Array.from({ length: 40 }, (_, i) => i % 3 === 0
    ? `\`\`\`js\n${'console.log("<&>");\n'.repeat(30)}\`\`\``
    : `**Point ${i}** — _see_ [docs](https://example.com/${i}) & \`code<${i}>\` ${'more text '.repeat(30)}`).join('\n\n');
  assert.ok(answer.length > 10_000);
  const chunks = chunkText(answer, TELEGRAM_LIMIT);
  assert.ok(chunks.length >= 3);
  for (const chunk of chunks) {
    const parsed = parseTelegramHtml(renderTelegramHtml(chunk));
    assert.ok(parsed.ok, parsed.ok ? '' : parsed.error);
    assert.ok(parsed.text.length <= TELEGRAM_LIMIT);
  }
});

test('random text: chunks stay within the limit, keep surrogate pairs and lose nothing but whitespace', () => {
  const text = fc.array(fc.constantFrom('a', 'bb ', ' ', '\n', '\n\n', '```\n', '```py\n', '🏟', 'x'.repeat(50), 'z '.repeat(20)), { maxLength: 400 }).map((p) => p.join(''));
  fc.assert(fc.property(text, fc.integer({ min: MIN_CHUNK_LIMIT, max: 300 }), (t, limit) => {
    const chunks = chunkText(t, limit);
    for (const chunk of chunks) {
      assert.ok(chunk.length <= limit);
      assert.ok(noSplitPairs(chunk));
      assert.notEqual(chunk.trim(), '');
    }
    // Fences may be closed and reopened at cuts, and a hard cut may fall inside a "```py" in the text:
    // compare everything but backticks and the letters of the fence tag (no other piece uses them).
    const content = (s: string): string => squash(s.replace(/[`py]/g, ''));
    assert.equal(content(chunks.join('')), content(t));
  }), { numRuns: 2000 });
});
