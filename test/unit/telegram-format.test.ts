/** Table tests for the Markdown → Telegram HTML renderer, checked against the fake's port of Telegram's own HTML parser. */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { renderTelegramHtml } from '../../src/channels/telegram/format.js';
import { validateTelegramHtml } from '../fakes/telegram.js';
import { parseTelegramHtml } from '../fakes/telegram-html.js';

describe('renderTelegramHtml', () => {
  const cases: Array<[name: string, markdown: string, html: string]> = [
    ['plain text', 'hello world', 'hello world'],
    ['escapes & < >', 'a & b < c > d', 'a &amp; b &lt; c &gt; d'],
    ['escapes an entity-looking text', '&amp; &lt;', '&amp;amp; &amp;lt;'],
    ['bold', '**bold** and __bold__', '<b>bold</b> and <b>bold</b>'],
    ['italic', '*it* and _it_', '<i>it</i> and <i>it</i>'],
    ['strikethrough', '~~gone~~', '<s>gone</s>'],
    ['nested bold and italic', '**bold *nested* bold**', '<b>bold <i>nested</i> bold</b>'],
    ['triple stars', '***both***', '<b><i>both</i></b>'],
    ['snake_case stays', 'call snake_case_name now', 'call snake_case_name now'],
    ['lone stars stay', '2 * 3 * 4 = 24', '2 * 3 * 4 = 24'],
    ['unclosed bold stays text', '**unclosed bold', '**unclosed bold'],
    ['backslash escapes', '\\*not italic\\*', '*not italic*'],
    ['inline code is escaped', 'use `a<b && c` here', 'use <code>a&lt;b &amp;&amp; c</code> here'],
    ['code keeps markdown literal', '`**x**`', '<code>**x**</code>'],
    ['double-backtick code', '`` a ` b ``', '<code>a ` b</code>'],
    ['unmatched backtick', 'it`s', 'it`s'],
    ['code inside bold', '**`x` y**', '<b><code>x</code> y</b>'],
    ['fenced code with language', '```ts\nconst a = 1 < 2;\n```', '<pre><code class="language-ts">const a = 1 &lt; 2;</code></pre>'],
    ['fenced code without language', 'see:\n```\n<b>raw</b>\n```\ndone', 'see:\n<pre><code>&lt;b&gt;raw&lt;/b&gt;</code></pre>\ndone'],
    ['unclosed fence runs to the end', '```py\nprint(1)', '<pre><code class="language-py">print(1)</code></pre>'],
    ['markdown inside a fence stays literal', '```\n**x** _y_\n```', '<pre><code>**x** _y_</code></pre>'],
    ['link', '[site](https://example.com/?a=1&b=2)', '<a href="https://example.com/?a=1&amp;b=2">site</a>'],
    ['link with parentheses', '[w](https://en.wikipedia.org/wiki/C_(language))', '<a href="https://en.wikipedia.org/wiki/C_(language)">w</a>'],
    ['link with bold label', '[**b**](https://x.y)', '<a href="https://x.y"><b>b</b></a>'],
    ['javascript: link is text', '[x](javascript:alert(1))', '[x](javascript:alert(1))'],
    ['heading', '# Title *x*', '<b>Title <i>x</i></b>'],
    ['bullets', '- one\n* two\n  + three', '• one\n• two\n  • three'],
    ['numbered list stays', '1. first', '1. first'],
    ['rule', '---', '———'],
    ['quote', '> quoted <x>\n> more\nafter', '<blockquote>quoted &lt;x&gt;\nmore</blockquote>\nafter'],
    ['script tag is text', '<script>alert(1)</script>', '&lt;script&gt;alert(1)&lt;/script&gt;'],
    ['unclosed html tag is text', '<b>unclosed', '&lt;b&gt;unclosed'],
    ['html attributes are text', '<a href="x">y</a>', '&lt;a href="x"&gt;y&lt;/a&gt;'],
    ['lone surrogate is replaced', 'a\uD83Db', 'a\uFFFDb'],
    ['emoji kept', '🏟 **ok**', '🏟 <b>ok</b>'],
    ['empty emphasis stays text', 'a **** b', 'a **** b'],
    ['crlf', 'a\r\nb', 'a\nb'],
  ];
  for (const [name, markdown, html] of cases) {
    test(name, () => {
      const out = renderTelegramHtml(markdown);
      assert.equal(out, html);
      assert.equal(validateTelegramHtml(out), null);
    });
  }
});

/** Tokens that stress the parser: every delimiter, tag-like and entity-like text, surrogates. */
const hostile = fc.array(fc.constantFrom(
  '*', '**', '***', '_', '__', '~~', '`', '``', '```', '```js\n', '\n```\n', '[', ']', '(', ')', '](https://x.y)', '[a](https://x.y/"q)',
  '<', '>', '&', '&amp;', '<b>', '</b>', '<script>', '<pre>', '"', '\\', '\n', '\n\n', ' ', 'a', 'word', '# ', '> ', '- ',
  '🏟', '\uD83D', '\uDC00', 'é', '@bot',
), { maxLength: 60 }).map((parts) => parts.join(''));

test('hostile input always renders to HTML Telegram accepts, never longer to read than the Markdown', () => {
  fc.assert(fc.property(hostile, (markdown) => {
    const html = renderTelegramHtml(markdown);
    const parsed = parseTelegramHtml(html);
    assert.ok(parsed.ok, `${JSON.stringify(markdown)} → ${JSON.stringify(html)}: ${parsed.ok ? '' : parsed.error}`);
    assert.ok(parsed.text.length <= markdown.length, `visible text grew for ${JSON.stringify(markdown)}`);
  }), { numRuns: 2000 });
});

test('arbitrary unicode renders to valid HTML', () => {
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (markdown) => {
    assert.equal(validateTelegramHtml(renderTelegramHtml(markdown)), null);
  }), { numRuns: 300 });
});

test('deeply nested emphasis is bounded and valid', () => {
  const markdown = `${'**a *'.repeat(200)}x${'* a**'.repeat(200)}`;
  assert.equal(validateTelegramHtml(renderTelegramHtml(markdown)), null);
});
