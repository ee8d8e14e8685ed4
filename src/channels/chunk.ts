// Splits a long Markdown answer into messages of at most `limit` UTF-16 units, on paragraph, code-block, line or word boundaries.

/** Smallest limit that leaves room for a reopened and a closed code fence plus some text. */
export const MIN_CHUNK_LIMIT = 64;

/** A fence opener longer than this is not treated as a fence (keeps the reopen reserve small). */
const MAX_OPENER = 40;
const OPEN = /^ {0,3}(`{3,}|~{3,})([^`\n]*)$/;

interface Line {
  start: number;
  end: number;
  blank: boolean;
  /** The fence this line is inside of (body or closing line), as its opener line and marker. */
  inside?: { opener: string; marker: string; openerEnd: number };
  kind?: 'open' | 'close';
}

interface Cut { head: string; tail: string }

const isHigh = (c: number): boolean => c >= 0xd800 && c <= 0xdbff;
const isLow = (c: number): boolean => c >= 0xdc00 && c <= 0xdfff;

/** The lines starting within the first `window` units, with their code-fence state. */
function scanLines(text: string, window: number): Line[] {
  const lines: Line[] = [];
  let fence: Line['inside'];
  let pos = 0;
  while (pos <= window && pos < text.length) {
    const nl = text.indexOf('\n', pos);
    const end = nl === -1 ? text.length : nl;
    const body = text.slice(pos, end);
    const line: Line = { start: pos, end, blank: body.trim() === '', ...(fence ? { inside: fence } : {}) };
    if (fence) {
      const closing = new RegExp(`^ {0,3}${fence.marker[0] === '`' ? '`' : '~'}{${fence.marker.length},}\\s*$`);
      if (closing.test(body)) {
        line.kind = 'close';
        fence = undefined;
      }
    } else {
      const m = OPEN.exec(body);
      if (m && body.length <= MAX_OPENER && !(m[1]?.startsWith('`') && m[2]?.includes('`'))) {
        line.kind = 'open';
        fence = { opener: body.trim(), marker: m[1] ?? '```', openerEnd: end };
      }
    }
    lines.push(line);
    pos = end + 1;
  }
  return lines;
}

/** Candidate cuts, best kind first; each is the last of its kind that fits. */
function candidates(text: string, limit: number): Cut[][] {
  const lines = scanLines(text, limit + 1);
  const paragraph: Cut[] = [];
  const line: Cut[] = [];
  const inCode: Cut[] = [];
  for (let k = 1; k < lines.length; k++) {
    const cur = lines[k] as Line;
    const prev = lines[k - 1] as Line;
    const at = cur.start - 1; // the newline before this line
    if (!cur.inside) {
      if (at > limit) continue;
      const cut = { head: text.slice(0, at), tail: text.slice(cur.start) };
      const isBreak = cur.blank || prev.blank || prev.kind === 'close' || cur.kind === 'open';
      (isBreak ? paragraph : line).push(cut);
    } else if (cur.kind !== 'close' && at > cur.inside.openerEnd) {
      const { opener, marker } = cur.inside;
      if (at + 1 + marker.length > limit) continue;
      inCode.push({ head: `${text.slice(0, at)}\n${marker}`, tail: `${opener}\n${text.slice(cur.start)}` });
    }
  }
  return [paragraph, line, inCode, [wordCut(text, limit, lines)], [hardCut(text, limit, lines)]].map((list) => list.filter((c): c is Cut => c !== undefined));
}

/** The last space or tab outside code within the limit. */
function wordCut(text: string, limit: number, lines: Line[]): Cut | undefined {
  for (let i = Math.min(limit, text.length - 1); i > 0; i--) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 9) continue;
    const line = lines.findLast((l) => l.start <= i);
    if (line?.inside || line?.kind === 'open') continue;
    return { head: text.slice(0, i), tail: text.slice(i + 1) };
  }
  return undefined;
}

/** A cut at the limit that never splits a surrogate pair; inside code, the fence is closed and reopened. */
function hardCut(text: string, limit: number, lines: Line[]): Cut {
  const fenceAt = (i: number): Line['inside'] => {
    const line = lines.findLast((l) => l.start <= i);
    return line?.kind === 'close' ? undefined : line?.inside;
  };
  let at = limit;
  let fence = fenceAt(at);
  if (fence) {
    at = limit - fence.marker.length - 1;
    fence = fenceAt(at);
  }
  if (isHigh(text.charCodeAt(at - 1)) && isLow(text.charCodeAt(at))) at--;
  if (!fence || at <= fence.openerEnd + 1) return { head: text.slice(0, at), tail: text.slice(at) };
  return { head: `${text.slice(0, at)}\n${fence.marker}`, tail: `${fence.opener}\n${text.slice(at)}` };
}

/** The first kind of cut whose head fills at least 30% of the limit, else the longest head found. */
function cutOnce(text: string, limit: number): Cut {
  const found = candidates(text, limit).map((list) => list.at(-1)).filter((c): c is Cut => c !== undefined && c.head.trim() !== '');
  const good = found.find((c) => c.head.length >= limit * 0.3);
  if (good) return good;
  return found.reduce((best, c) => (c.head.length > best.head.length ? c : best), found[0] ?? { head: text.slice(0, limit), tail: text.slice(limit) });
}

/**
 * Splits `text` into pieces of at most `limit` UTF-16 units (so at most `limit` code points too). A code block
 * cut in two is closed at the end of one piece and reopened, with its language, at the start of the next.
 * Blank lines at the cuts are dropped; blank text gives no pieces.
 */
export function chunkText(text: string, limit: number): string[] {
  if (!Number.isInteger(limit) || limit < MIN_CHUNK_LIMIT) throw new RangeError(`chunk limit must be an integer >= ${MIN_CHUNK_LIMIT}`);
  const chunks: string[] = [];
  let rest = text.replace(/\r\n?/g, '\n');
  while (rest.length > limit) {
    const { head, tail } = cutOnce(rest, limit);
    if (head.trim() !== '') chunks.push(head.replace(/\s+$/, ''));
    rest = tail.replace(/^\n+/, '');
  }
  if (rest.trim() !== '') chunks.push(rest.replace(/\s+$/, ''));
  return chunks;
}
