// Reliability suite, Telegram HTML: model output is sanitized in one place, and what goes out is valid and inert for any input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import fc from 'fast-check';
import { renderTelegramHtml } from '../../src/channels/telegram/format.js';
import { TELEGRAM_LIMIT } from '../../src/channels/telegram/outbox.js';
import { chunkText } from '../../src/channels/chunk.js';
import { parseTelegramHtml } from '../fakes/telegram-html.js';
import { hostileString } from '../helpers/hostile-arbs.js';

/** What model output may look like when it tries to break out: Markdown, raw HTML, entities and Telegram's own tags. */
const TOKENS = [
  '*', '**', '_', '__', '~~', '`', '```', '```html\n', '\n```\n', '[', ']', '(', ')', '](https://x.y)', '](javascript:alert(1))', '](tg://user?id=42)',
  '<b>', '</b>', '<i>', '<a href="https://evil">', '</a>', '<script>alert(1)</script>', '<pre>', '</pre>', '<code>', '<tg-spoiler>', '<span class="tg-spoiler">',
  '<tg-emoji emoji-id="1">', '<blockquote expandable>', '<u>', '<img src=x onerror=alert(1)>', '<!--', '-->', '<![CDATA[', ']]>',
  '&', '&amp;', '&lt;', '&#60;', '&#x3c;', '&#0;', '&nbsp;', '&bogus;', '"', "'", '\\', '\n', '\n\n', ' ', 'text', '# ', '> ', '- ', '1. ',
  '🏟', '\uD83D', '\uDC00', '\u0000', '\u202e', '@everyone',
];
const hostileMarkdown = fc.oneof(
  { weight: 4, arbitrary: fc.array(fc.constantFrom(...TOKENS), { maxLength: 80 }).map((p) => p.join('')) },
  { weight: 1, arbitrary: hostileString },
);

/** Entity types the renderer may produce; anything else came from the input, not from the renderer's tree. */
const ALLOWED_ENTITIES = new Set(['bold', 'italic', 'strikethrough', 'text_link', 'code', 'pre', 'blockquote']);
const SAFE_URL = /^(?:https?:\/\/|mailto:|tg:\/\/)/i;

function checkRendered(markdown: string, limit?: number): void {
  const html = renderTelegramHtml(markdown);
  const parsed = parseTelegramHtml(html);
  assert.ok(parsed.ok, `${JSON.stringify(markdown.slice(0, 200))} → ${JSON.stringify(html.slice(0, 200))}: ${parsed.ok ? '' : parsed.error}`);
  for (const e of parsed.entities) {
    assert.ok(ALLOWED_ENTITIES.has(e.type), `entity ${e.type} from ${JSON.stringify(markdown.slice(0, 200))}`);
    if (e.type === 'text_link') assert.match(e.url ?? '', SAFE_URL);
  }
  if (limit !== undefined) assert.ok(parsed.text.length <= limit, `a chunk reads ${parsed.text.length} characters`);
}

test('hostile model output: only the renderer\'s own entities, only safe link schemes', (t) => {
  let n = 0;
  fc.assert(fc.property(hostileMarkdown, (markdown) => {
    n++;
    checkRendered(markdown);
  }), { numRuns: 1500 });
  t.diagnostic(`telegram html: ${n} hostile outputs rendered`);
});

test('every prefix of a hostile answer renders valid HTML (what a streamed answer looks like mid-way)', (t) => {
  let n = 0;
  fc.assert(fc.property(hostileMarkdown, fc.array(fc.nat(), { minLength: 1, maxLength: 5 }), (markdown, cuts) => {
    for (const cut of cuts) {
      n++;
      checkRendered(markdown.slice(0, markdown.length === 0 ? 0 : cut % (markdown.length + 1)));
    }
  }), { numRuns: 400 });
  t.diagnostic(`telegram html: ${n} answer prefixes rendered`);
});

test('long hostile answers: each chunk the outbox sends is valid and within Telegram\'s limit', (t) => {
  let chunks = 0;
  const long = fc.array(fc.oneof(fc.constantFrom(...TOKENS), fc.constantFrom('```\n' + 'x'.repeat(5000), '**' + 'y '.repeat(3000), `[${'l'.repeat(3000)}](https://x.y)`)), { minLength: 50, maxLength: 400 }).map((p) => p.join(''));
  fc.assert(fc.property(long, (markdown) => {
    for (const chunk of chunkText(markdown, TELEGRAM_LIMIT)) {
      chunks++;
      checkRendered(chunk, TELEGRAM_LIMIT);
    }
  }), { numRuns: 40 });
  t.diagnostic(`telegram html: ${chunks} chunks of long answers rendered`);
});

test('HTML parse mode is only ever used on text that went through renderTelegramHtml', () => {
  const dir = fileURLToPath(new URL('../../../src/channels/telegram/', import.meta.url));
  const uses: string[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
    readFileSync(join(dir, file), 'utf8').split('\n').forEach((line, i) => {
      if (/parse_mode/.test(line)) uses.push(`${file}:${i + 1}: ${line.trim()}`);
    });
  }
  assert.ok(uses.length > 0, 'no parse_mode found: has sending moved?');
  for (const use of uses) assert.match(use, /renderTelegramHtml\(/, `parse_mode without the sanitizer: ${use}`);
});
