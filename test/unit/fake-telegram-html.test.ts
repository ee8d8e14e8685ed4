/** Table tests for the fake Telegram's HTML parse_mode validator (cases mirror tdlib's own parse_html tests). */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { parseTelegramHtml } from '../fakes/telegram-html.js';
import { validateTelegramHtml } from '../fakes/telegram.js';

const P = "Bad Request: can't parse entities: ";

describe('validateTelegramHtml', () => {
  const cases: Array<[string, string | null]> = [
    ['plain text', null],
    ['', null],
    ['<b>bold</b> <strong>s</strong> <i>i</i> <em>e</em> <u>u</u> <ins>n</ins>', null],
    ['<s>a</s><strike>b</strike><del>c</del><tg-spoiler>d</tg-spoiler><span class="tg-spoiler">e</span>', null],
    ['<a href="https://example.com/?a=1&amp;b=2">link</a>', null],
    ['<pre><code class="language-ts">const a = 1 &lt; 2;</code></pre>', null],
    ['<blockquote>q</blockquote><blockquote expandable>long</blockquote>', null],
    ['<B>upper</B>', null],
    ['a &lt; b &amp;&amp; c &gt; d &quot;q&quot; &#128512; &#x1F600; &nbsp;', null],
    ['<i>a</>', null],
    ['<b>bold', `${P}Can't find end tag corresponding to start tag b`],
    ['<b><i>x</b></i>', `${P}Unmatched end tag at byte offset 7, expected "</i>", found "</b>"`],
    ['x</b>', `${P}Unexpected end tag at byte offset 1`],
    ['<b>x</b', `${P}Unclosed end tag at byte offset 4`],
    ['line<br>break', `${P}Unsupported start tag "br" at byte offset 4`],
    ['<br/>', `${P}Unsupported start tag "br/" at byte offset 0`],
    ['<p>para</p>', `${P}Unsupported start tag "p" at byte offset 0`],
    ['1 < 2', `${P}Unsupported start tag "" at byte offset 2`],
    ['x <b', `${P}Unclosed start tag at byte offset 2`],
    ['<span>x</span>', `${P}Tag "span" must have class "tg-spoiler" at byte offset 0`],
    ['<a href=x/>y</a>', `${P}Unexpected end of name token at byte offset 8`],
    ['<tg-emoji emoji-id="abc">x</tg-emoji>', `${P}Invalid custom emoji identifier specified`],
    // Byte offsets count UTF-8 bytes, as tdlib's do (🏟 is four bytes, &lt; is four).
    ['🏟 🏟&lt;<abacaba', `${P}Unclosed start tag at byte offset 13`],
    ['🏟 🏟&lt;<abac aba>', `${P}Unsupported start tag "abac" at byte offset 13`],
    ['🏟 🏟&lt;<i   =aba>', `${P}Empty attribute name in the tag "i" at byte offset 13`],
    ['🏟 🏟&lt;<i    aba>', `${P}Expected equal sign in declaration of an attribute of the tag "i" at byte offset 13`],
    ['🏟 🏟&lt;<i    aba  =  ', `${P}Unclosed start tag "i" at byte offset 13`],
    ['🏟 🏟&lt;<i    aba  =  190azAz-.,', `${P}Unexpected end of name token at byte offset 27`],
    ['🏟 🏟&lt;<i    aba  =  "&lt;&gt;&quot;>', `${P}Unclosed start tag at byte offset 13`],
    ['🏟 🏟&lt;</', `${P}Unexpected end tag at byte offset 13`],
    ['🏟 🏟&lt;<b></b></', `${P}Unexpected end tag at byte offset 20`],
    ['🏟 🏟&lt;<i>a</i   ', `${P}Unclosed end tag at byte offset 17`],
    ['🏟 🏟&lt;<i>a</em   >', `${P}Unmatched end tag at byte offset 17, expected "</i>", found "</em>"`],
    ['&#57311;', `${P}Text contains invalid Unicode characters after decoding HTML entities, check for unmatched surrogate code units`],
  ];
  for (const [input, expected] of cases) {
    test(JSON.stringify(input), () => assert.equal(validateTelegramHtml(input), expected));
  }
});

describe('parseTelegramHtml', () => {
  const cases: Array<[string, string, unknown[]]> = [
    ['&lt;&gt;&amp;&quot;&laquo;&raquo;&#12345678;', '<>&"&laquo;&raquo;&#12345678;', []],
    ['🏟 🏟<i>🏟 &lt🏟</i>', '🏟 🏟🏟 <🏟', [{ type: 'italic', offset: 5, length: 6 }]],
    ['<b>a</b><i></i>', 'a', [{ type: 'bold', offset: 0, length: 1 }]],
    ['x <a href="https://t.me">t</a>', 'x t', [{ type: 'text_link', offset: 2, length: 1, url: 'https://t.me' }]],
    ['<pre><code class="language-fift">c</code></pre>', 'c', [{ type: 'pre', offset: 0, length: 1, language: 'fift' }]],
    ['<code class="language-fift">c</code>', 'c', [{ type: 'code', offset: 0, length: 1 }]],
    [
      '<i>a<b>b</b></i>',
      'ab',
      [
        { type: 'italic', offset: 0, length: 2 },
        { type: 'bold', offset: 1, length: 1 },
      ],
    ],
  ];
  for (const [input, text, entities] of cases) {
    test(JSON.stringify(input), () => assert.deepEqual(parseTelegramHtml(input), { ok: true, text, entities }));
  }
});
