// Markdown as models write it → Telegram-safe HTML: parsed into a small tree, then serialized by the one escaping writer.

type Inline =
  | { kind: 'text'; text: string }
  | { kind: 'code'; text: string }
  | { kind: 'b' | 'i' | 's'; children: Inline[] }
  | { kind: 'a'; href: string; children: Inline[] };

type Block =
  | { kind: 'line'; children: Inline[] }
  | { kind: 'pre'; lang: string; text: string }
  | { kind: 'quote'; lines: Inline[][] };

/** Deeper emphasis than this is kept as text: bounds recursion on hostile input. */
const MAX_DEPTH = 6;
const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([^\s`]*)[^`]*$/;
const HEADING = /^ {0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/;
const RULE = /^ {0,3}([-*_])(?:\s*\1){2,}\s*$/;
const BULLET = /^(\s*)[-*+]\s+(.*)$/;
const QUOTE = /^ {0,3}>\s?(.*)$/;
const LINK = /^\[([^\]\n]+)\]\(((?:[^()\s]|\([^()\s]*\))+)\)/;
const SAFE_URL = /^(?:https?:\/\/|mailto:|tg:\/\/)[^\s<>"]+$/i;
const LANG = /^[\w+#.-]{1,32}$/;
const PUNCT = /[!-/:-@[-`{-~]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

// ---- The writer: the only place that produces HTML ----

function escapeText(s: string): string {
  return s.replace(LONE_SURROGATE, '\uFFFD').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function escapeAttr(s: string): string {
  return escapeText(s).replace(/"/g, '&quot;');
}

function writeInline(nodes: Inline[]): string {
  let out = '';
  for (const n of nodes) {
    if (n.kind === 'text') out += escapeText(n.text);
    else if (n.kind === 'code') out += n.text === '' ? '' : `<code>${escapeText(n.text)}</code>`;
    else if (n.kind === 'a') out += `<a href="${escapeAttr(n.href)}">${writeInline(n.children)}</a>`;
    else {
      const inner = writeInline(n.children);
      out += inner === '' ? '' : `<${n.kind}>${inner}</${n.kind}>`;
    }
  }
  return out;
}

function writeBlocks(blocks: Block[]): string {
  return blocks.map((b) => {
    if (b.kind === 'line') return writeInline(b.children);
    if (b.kind === 'quote') return `<blockquote>${b.lines.map(writeInline).join('\n')}</blockquote>`;
    if (b.text === '') return '';
    const cls = LANG.test(b.lang) ? ` class="language-${escapeAttr(b.lang)}"` : '';
    return `<pre><code${cls}>${escapeText(b.text)}</code></pre>`;
  }).join('\n');
}

// ---- Inline parsing ----

const isSpace = (c: string | undefined): boolean => c === undefined || /\s/.test(c);
const isWord = (c: string | undefined): boolean => c !== undefined && /[\p{L}\p{N}]/u.test(c);

/** End (exclusive) of the code span opening at `i`, or -1 when its backtick run is never matched. */
function codeSpanEnd(s: string, i: number): number {
  let run = 0;
  while (s[i + run] === '`') run++;
  const fence = '`'.repeat(run);
  let j = s.indexOf(fence, i + run);
  while (j !== -1) {
    let len = 0;
    while (s[j + len] === '`') len++;
    if (len === run) return j + run;
    j = s.indexOf(fence, j + len);
  }
  return -1;
}

function canOpen(s: string, i: number, d: string): boolean {
  if (isSpace(s[i + d.length])) return false;
  return d[0] !== '_' || !isWord(s[i - 1]);
}

/** Index of the delimiter that closes `d` opened before `from`, skipping code spans and escapes; -1 if none. */
function findClose(s: string, from: number, d: string): number {
  const ch = d[0] as string;
  for (let j = from; j < s.length; j++) {
    const c = s[j];
    if (c === '\\') { j++; continue; }
    if (c === '`') {
      const end = codeSpanEnd(s, j);
      if (end !== -1) j = end - 1;
      continue;
    }
    if (c !== ch) continue;
    let run = 0;
    while (s[j + run] === ch) run++;
    const at = d.length === 2 && run >= 2 ? j + run - 2 : j;
    const fits = d.length === 1 ? run === 1 || run >= 3 : run >= 2;
    const after = s[at + d.length];
    if (fits && at > from && !isSpace(s[at - 1]) && (ch !== '_' || !isWord(after))) return d.length === 1 && run >= 3 ? j + run - 1 : at;
    j += run - 1;
  }
  return -1;
}

const DELIMS: Array<[string, 'b' | 'i' | 's']> = [['**', 'b'], ['__', 'b'], ['~~', 's'], ['*', 'i'], ['_', 'i']];

function parseInline(s: string, depth: number, links = true): Inline[] {
  const out: Inline[] = [];
  let text = '';
  // Where a search for each delimiter's closer last failed: later openers of it fail too (keeps this linear).
  const noCloser = new Map<string, number>();
  const flush = (): void => {
    if (text !== '') out.push({ kind: 'text', text });
    text = '';
  };
  for (let i = 0; i < s.length;) {
    const c = s[i] as string;
    if (c === '\\' && PUNCT.test(s[i + 1] ?? '')) {
      text += s[i + 1];
      i += 2;
      continue;
    }
    if (c === '`') {
      const end = codeSpanEnd(s, i);
      let run = 0;
      while (s[i + run] === '`') run++;
      if (end === -1) {
        text += s.slice(i, i + run);
        i += run;
        continue;
      }
      flush();
      const inner = s.slice(i + run, end - run);
      out.push({ kind: 'code', text: /^ .* $/.test(inner) ? inner.slice(1, -1) : inner });
      i = end;
      continue;
    }
    if (c === '[' && links) {
      const m = LINK.exec(s.slice(i));
      if (m && SAFE_URL.test(m[2] as string)) {
        flush();
        out.push({ kind: 'a', href: m[2] as string, children: parseInline(m[1] as string, depth + 1, false) });
        i += m[0].length;
        continue;
      }
    }
    const delim = depth < MAX_DEPTH ? DELIMS.find(([d]) => s.startsWith(d, i) && canOpen(s, i, d)) : undefined;
    if (delim) {
      const [d, kind] = delim;
      const close = i + d.length >= (noCloser.get(d) ?? Infinity) ? -1 : findClose(s, i + d.length, d);
      if (close === -1) noCloser.set(d, Math.min(i + d.length, noCloser.get(d) ?? Infinity));
      else {
        flush();
        out.push({ kind, children: parseInline(s.slice(i + d.length, close), depth + 1, links) });
        i = close + d.length;
        continue;
      }
    }
    text += c;
    i++;
  }
  flush();
  return out;
}

// ---- Block parsing ----

function parseBlocks(markdown: string): Block[] {
  const lines = markdown.replace(/\r\n?/g, '\n').split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const fence = FENCE.exec(line);
    if (fence) {
      const marker = fence[1] as string;
      const closing = new RegExp(`^ {0,3}${marker[0] === '`' ? '`' : '~'}{${marker.length},}\\s*$`);
      const body: string[] = [];
      for (i++; i < lines.length && !closing.test(lines[i] as string); i++) body.push(lines[i] as string);
      blocks.push({ kind: 'pre', lang: fence[2] ?? '', text: body.join('\n') });
      continue;
    }
    const quote = QUOTE.exec(line);
    if (quote) {
      const quoted: Inline[][] = [parseInline(quote[1] ?? '', 0)];
      for (let m = QUOTE.exec(lines[i + 1] ?? ''); m && i + 1 < lines.length; m = QUOTE.exec(lines[i + 1] ?? '')) {
        quoted.push(parseInline(m[1] ?? '', 0));
        i++;
      }
      blocks.push({ kind: 'quote', lines: quoted });
      continue;
    }
    blocks.push({ kind: 'line', children: parseLine(line) });
  }
  return blocks;
}

function parseLine(line: string): Inline[] {
  const heading = HEADING.exec(line);
  if (heading) return [{ kind: 'b', children: parseInline(heading[1] ?? '', 1) }];
  if (RULE.test(line)) return [{ kind: 'text', text: '———' }];
  const bullet = BULLET.exec(line);
  if (bullet) return [{ kind: 'text', text: `${bullet[1] ?? ''}• ` }, ...parseInline(bullet[2] ?? '', 0)];
  return parseInline(line, 0);
}

/**
 * Renders Markdown (fenced and inline code, bold, italic, strikethrough, links, headings, lists, quotes)
 * as HTML Telegram accepts: all text is escaped, tags come only from the tree and are always balanced.
 * The visible text is never longer than the Markdown, so a chunk within Telegram's limit stays within it.
 */
export function renderTelegramHtml(markdown: string): string {
  return writeBlocks(parseBlocks(markdown));
}
