// Reads the executable examples out of docs/API.md and compares answers with them, so the docs cannot drift.
//
// Marked blocks (the first word of a fence's info string is its language, so they render as usual):
//   ```http request          METHOD PATH, header lines, a blank line, then the body (if any)
//   ```json response 200     the JSON answer (the next block after a request)
//   ```text response 200 sse the SSE stream, one `data: ...` line per event
//   ```text response 200 lines  lines that must each appear in the answer
//   ```text ws [no-auth]     a /ws transcript: `> frame` sent, `< frame` received in order, `< close CODE reason`
// Matching: objects need the same keys; numbers match any number; a string holding `<...>` is a pattern
// where each `<...>` stands for any text; an array ending in "..." may have more elements; the rest is equal.

export interface HttpExample {
  kind: 'http';
  line: number;
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string | undefined;
  expect: { status: number; mode: 'json' | 'sse' | 'lines'; text: string };
}

export type WsStep = { dir: 'send'; text: string } | { dir: 'receive'; frame: unknown } | { dir: 'close'; code: number; reason: string };
export interface WsExample { kind: 'ws'; line: number; auth: boolean; steps: WsStep[] }
export type DocExample = HttpExample | WsExample;

interface Block { info: string[]; body: string; line: number }

function blocks(markdown: string): Block[] {
  const out: Block[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S.*)?$/.exec(lines[i] ?? '');
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && lines[i] !== '```'; i++) body.push(lines[i] ?? '');
    out.push({ info: (open[1] ?? '').trim().split(/\s+/), body: body.join('\n'), line: start + 1 });
  }
  return out;
}

function parseRequest(block: Block, response: Block | undefined): HttpExample {
  const [head = '', ...rest] = block.body.split('\n');
  const [method = '', path = ''] = head.split(' ');
  const blank = rest.indexOf('');
  const headerLines = blank < 0 ? rest : rest.slice(0, blank);
  const headers = Object.fromEntries(headerLines.map((h) => [h.slice(0, h.indexOf(':')).trim().toLowerCase(), h.slice(h.indexOf(':') + 1).trim()]));
  const body = blank < 0 ? undefined : rest.slice(blank + 1).join('\n');
  if (response?.info[1] !== 'response') throw new Error(`docs line ${block.line}: an http request block must be followed by a response block`);
  const [lang, , status, mode] = response.info;
  return {
    kind: 'http', line: block.line, method, path, headers, body,
    expect: { status: Number(status), mode: lang === 'json' ? 'json' : mode === 'lines' ? 'lines' : 'sse', text: response.body },
  };
}

function parseTranscript(block: Block): WsExample {
  const steps: WsStep[] = block.body.split('\n').filter((l) => l.startsWith('> ') || l.startsWith('< ')).map((l): WsStep => {
    const text = l.slice(2);
    if (l.startsWith('> ')) return { dir: 'send', text };
    const close = /^close (\d+) ?(.*)$/.exec(text);
    if (close) return { dir: 'close', code: Number(close[1]), reason: close[2] ?? '' };
    try {
      return { dir: 'receive', frame: JSON.parse(text) as unknown };
    } catch {
      throw new Error(`docs line ${block.line}: not JSON: ${text}`);
    }
  });
  return { kind: 'ws', line: block.line, auth: !block.info.includes('no-auth'), steps };
}

/** Every marked example of the document, in order. */
export function docExamples(markdown: string): DocExample[] {
  const all = blocks(markdown);
  const examples: DocExample[] = [];
  all.forEach((b, i) => {
    if (b.info[0] === 'http' && b.info[1] === 'request') examples.push(parseRequest(b, all[i + 1]));
    else if (b.info[0] === 'text' && b.info[1] === 'ws') examples.push(parseTranscript(b));
  });
  return examples;
}

/** A doc string with `<...>` placeholders as a whole-string regex. */
function patternOf(doc: string): RegExp {
  return new RegExp(`^${doc.split(/<[^<>]*>/).map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('[\\s\\S]+?')}$`);
}

/** Matches one line of text (placeholders allowed). */
export function lineMatches(doc: string, actual: string): boolean {
  return patternOf(doc).test(actual);
}

/** The first difference between the documented value and the actual one, or undefined when they match. */
export function mismatch(doc: unknown, actual: unknown, path = '$'): string | undefined {
  if (typeof doc === 'number') return typeof actual === 'number' ? undefined : `${path}: expected a number, got ${JSON.stringify(actual)}`;
  if (typeof doc === 'string' && /<[^<>]*>/.test(doc)) {
    return typeof actual === 'string' && patternOf(doc).test(actual) ? undefined : `${path}: ${JSON.stringify(actual)} does not match ${JSON.stringify(doc)}`;
  }
  if (Array.isArray(doc)) {
    if (!Array.isArray(actual)) return `${path}: expected an array, got ${JSON.stringify(actual)}`;
    const open = doc.at(-1) === '...';
    const items = open ? doc.slice(0, -1) : doc;
    if (open ? actual.length < items.length : actual.length !== items.length) return `${path}: expected ${open ? 'at least ' : ''}${items.length} items, got ${actual.length}`;
    for (const [i, item] of items.entries()) {
      const m = mismatch(item, actual[i], `${path}[${i}]`);
      if (m) return m;
    }
    return undefined;
  }
  if (doc !== null && typeof doc === 'object') {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return `${path}: expected an object, got ${JSON.stringify(actual)}`;
    const want = Object.keys(doc).sort();
    const got = Object.keys(actual).sort();
    if (want.join() !== got.join()) return `${path}: keys ${JSON.stringify(got)}, documented ${JSON.stringify(want)}`;
    for (const key of want) {
      const m = mismatch((doc as Record<string, unknown>)[key], (actual as Record<string, unknown>)[key], `${path}.${key}`);
      if (m) return m;
    }
    return undefined;
  }
  return doc === actual ? undefined : `${path}: expected ${JSON.stringify(doc)}, got ${JSON.stringify(actual)}`;
}
