/** Telegram's HTML parse_mode, ported from tdlib's parse_html so the fake rejects exactly what Telegram rejects. */

export interface TelegramEntity {
  type: string;
  offset: number;
  length: number;
  url?: string;
  language?: string;
  custom_emoji_id?: string;
}

export type HtmlParse = { ok: true; text: string; entities: TelegramEntity[] } | { ok: false; error: string };

const TAGS = new Set([
  'a', 'b', 'strong', 'i', 'em', 's', 'strike', 'del', 'u', 'ins',
  'tg-spoiler', 'tg-emoji', 'span', 'pre', 'code', 'blockquote',
]);
const SIMPLE_TYPES: Record<string, string> = {
  b: 'bold', strong: 'bold', i: 'italic', em: 'italic', u: 'underline', ins: 'underline',
  s: 'strikethrough', strike: 'strikethrough', del: 'strikethrough', 'tg-spoiler': 'spoiler', span: 'spoiler',
};

// tdlib's is_space: NUL counts, which is how running off the end of the text stops every scan.
const isSpace = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a || c === 0 || c === 0x0b;
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isAlpha = (c: number): boolean => (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a;
const isHex = (c: number): boolean => isDigit(c) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66);
const ascii = (bytes: Uint8Array, from: number, to: number): string => Buffer.from(bytes.subarray(from, to)).toString('utf8');

class Bytes {
  constructor(readonly b: Uint8Array) {}
  at(i: number): number {
    return i < this.b.length ? (this.b[i] ?? 0) : 0;
  }
  /** Decodes `&lt;` `&gt;` `&amp;` `&quot;` and numeric references at `pos` (the `;` is optional); 0 when not one. */
  entity(pos: number): { code: number; end: number } | null {
    let end = pos + 1;
    let code = 0;
    if (this.at(pos + 1) === 0x23) {
      end++;
      const hex = this.at(pos + 2) === 0x78;
      if (hex) end++;
      while (hex ? isHex(this.at(end)) : isDigit(this.at(end))) {
        code = code * (hex ? 16 : 10) + parseInt(String.fromCharCode(this.at(end)), 16);
        end++;
      }
      if (code === 0 || code >= 0x10ffff || end - pos >= 10) return null;
    } else {
      while (isAlpha(this.at(end))) end++;
      const named: Record<string, number> = { lt: 0x3c, gt: 0x3e, amp: 0x26, quot: 0x22 };
      const found = named[ascii(this.b, pos + 1, end)];
      if (found === undefined) return null;
      code = found;
    }
    return { code, end: this.at(end) === 0x3b ? end + 1 : end };
  }
}

interface Open { tag: string; argument: string; offset: number; begin: number }

/** Parses Telegram HTML into plain text plus entities, or the tdlib error message (without the Bot API prefix). */
export function parseTelegramHtml(html: string): HtmlParse {
  const src = new Bytes(Buffer.from(html, 'utf8'));
  const n = src.b.length;
  const out: number[] = [];
  const entities: TelegramEntity[] = [];
  const stack: Open[] = [];
  let utf16 = 0;
  let surrogate = false;
  const fail = (error: string): HtmlParse => ({ ok: false, error });
  const appendCode = (code: number): void => {
    if (code >= 0xd800 && code <= 0xdfff) surrogate = true;
    out.push(...Buffer.from(String.fromCodePoint(code), 'utf8'));
    utf16 += code > 0xffff ? 2 : 1;
  };

  for (let i = 0; i < n; i++) {
    const c = src.at(i);
    if (c === 0x26) {
      const ent = src.entity(i);
      if (ent) {
        appendCode(ent.code);
        i = ent.end - 1;
        continue;
      }
    }
    if (c !== 0x3c) {
      if ((c & 0xc0) !== 0x80) utf16 += c >= 0xf0 ? 2 : 1;
      out.push(c);
      continue;
    }
    const begin = i++;
    if (src.at(i) !== 0x2f) {
      while (!isSpace(src.at(i)) && src.at(i) !== 0x3e) i++;
      if (src.at(i) === 0) return fail(`Unclosed start tag at byte offset ${begin}`);
      const tag = ascii(src.b, begin + 1, i).toLowerCase();
      if (!TAGS.has(tag)) return fail(`Unsupported start tag "${tag}" at byte offset ${begin}`);
      let argument = '';
      while (src.at(i) !== 0x3e) {
        while (src.at(i) !== 0 && isSpace(src.at(i))) i++;
        if (src.at(i) === 0x3e) break;
        const nameStart = i;
        while (!isSpace(src.at(i)) && src.at(i) !== 0x3d && src.at(i) !== 0x3e) i++;
        const name = ascii(src.b, nameStart, i);
        if (name === '') return fail(`Empty attribute name in the tag "${tag}" at byte offset ${begin}`);
        while (src.at(i) !== 0 && isSpace(src.at(i))) i++;
        if (src.at(i) !== 0x3d) {
          // Bot API 7.4 added the value-less `<blockquote expandable>`.
          if (tag === 'blockquote' && name === 'expandable' && src.at(i) !== 0) {
            argument = 'expandable';
            continue;
          }
          return fail(`Expected equal sign in declaration of an attribute of the tag "${tag}" at byte offset ${begin}`);
        }
        i++;
        while (src.at(i) !== 0 && isSpace(src.at(i))) i++;
        if (src.at(i) === 0) return fail(`Unclosed start tag "${tag}" at byte offset ${begin}`);
        let value: string;
        const quote = src.at(i);
        if (quote !== 0x27 && quote !== 0x22) {
          const tokenStart = i;
          while (isAlpha(src.at(i)) || isDigit(src.at(i)) || src.at(i) === 0x2e || src.at(i) === 0x2d) i++;
          value = ascii(src.b, tokenStart, i).toLowerCase();
          if (!isSpace(src.at(i)) && src.at(i) !== 0x3e) return fail(`Unexpected end of name token at byte offset ${tokenStart}`);
        } else {
          i++;
          const raw: number[] = [];
          while (src.at(i) !== quote && src.at(i) !== 0) {
            const ent = src.at(i) === 0x26 ? src.entity(i) : null;
            if (ent) {
              raw.push(...Buffer.from(String.fromCodePoint(ent.code), 'utf8'));
              i = ent.end;
            } else {
              raw.push(src.at(i++));
            }
          }
          if (src.at(i) === quote) i++;
          value = Buffer.from(raw).toString('utf8');
        }
        if (src.at(i) === 0) return fail(`Unclosed start tag at byte offset ${begin}`);
        if (tag === 'a' && name === 'href') argument = value;
        else if (tag === 'code' && name === 'class' && value.startsWith('language-')) argument = value.slice(9);
        else if (tag === 'span' && name === 'class' && value.startsWith('tg-')) argument = value.slice(3);
        else if (tag === 'tg-emoji' && name === 'emoji-id') argument = value;
      }
      if (tag === 'span' && argument !== 'spoiler') {
        return fail(`Tag "span" must have class "tg-spoiler" at byte offset ${begin}`);
      }
      stack.push({ tag, argument, offset: utf16, begin: out.length });
      continue;
    }
    const open = stack.pop();
    if (!open) return fail(`Unexpected end tag at byte offset ${begin}`);
    while (!isSpace(src.at(i)) && src.at(i) !== 0x3e) i++;
    const endTag = ascii(src.b, begin + 2, i).toLowerCase();
    while (isSpace(src.at(i)) && src.at(i) !== 0) i++;
    if (src.at(i) !== 0x3e) return fail(`Unclosed end tag at byte offset ${begin}`);
    if (endTag !== '' && endTag !== open.tag) {
      return fail(`Unmatched end tag at byte offset ${begin}, expected "</${open.tag}>", found "</${endTag}>"`);
    }
    if (utf16 > open.offset) {
      const error = closeEntity(open, utf16 - open.offset, Buffer.from(out.slice(open.begin)).toString('utf8'), entities);
      if (error) return fail(error);
    }
  }
  const unclosed = stack.at(-1);
  if (unclosed) return fail(`Can't find end tag corresponding to start tag ${unclosed.tag}`);
  if (surrogate) {
    return fail('Text contains invalid Unicode characters after decoding HTML entities, check for unmatched surrogate code units');
  }
  for (const e of entities) if (e.type === 'code') delete e.language;
  entities.sort((a, b) => a.offset - b.offset || b.length - a.length);
  return { ok: true, text: Buffer.from(out).toString('utf8'), entities };
}

/** Adds the entity a closing tag finishes; returns an error message for an invalid custom emoji id. */
function closeEntity(open: Open, length: number, inner: string, entities: TelegramEntity[]): string | null {
  const { tag, argument, offset } = open;
  const last = entities.at(-1);
  const sameRange = last !== undefined && last.offset === offset && last.length === length;
  if (SIMPLE_TYPES[tag]) {
    entities.push({ type: SIMPLE_TYPES[tag], offset, length });
  } else if (tag === 'blockquote') {
    entities.push({ type: argument === 'expandable' ? 'expandable_blockquote' : 'blockquote', offset, length });
  } else if (tag === 'tg-emoji') {
    if (!/^[1-9][0-9]{0,18}$/.test(argument)) return 'Invalid custom emoji identifier specified';
    entities.push({ type: 'custom_emoji', offset, length, custom_emoji_id: argument });
  } else if (tag === 'a') {
    // tdlib drops links it cannot check; a URL with spaces is the common case of that.
    const url = argument || inner;
    if (url !== '' && !/\s/.test(url)) entities.push({ type: 'text_link', offset, length, url });
  } else if (tag === 'pre') {
    if (sameRange && last.type === 'code' && last.language) last.type = 'pre';
    else entities.push({ type: 'pre', offset, length });
  } else if (sameRange && last.type === 'pre' && argument !== '') {
    last.language = argument;
  } else {
    entities.push({ type: 'code', offset, length, ...(argument ? { language: argument } : {}) });
  }
  return null;
}

/** The Bot API error description for invalid Telegram HTML, or null when Telegram would accept it. */
export function validateTelegramHtml(text: string): string | null {
  const parsed = parseTelegramHtml(text);
  return parsed.ok ? null : `Bad Request: can't parse entities: ${parsed.error}`;
}
