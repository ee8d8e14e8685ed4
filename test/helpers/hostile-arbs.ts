// fast-check generators of hostile input: odd strings, prototype-pollution keys, deep nesting, broken JSON, invalid UTF-8.
import fc from 'fast-check';

/** Keys that pollute prototypes when merged carelessly, plus names the gateway itself uses. */
export const NASTY_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', '__defineGetter__', 'then', 'length'] as const;

const SPECIAL_STRINGS = [
  '', ' ', '\u0000', '\u0000\u0001\u001f\u007f', '\r\n\r\n', '\ud800', '\udfff\ud800', '\uffff\ufffe', '\u202e', '\u200b',
  '%', '%zz', '%00', '%ff%fe', '../../etc/passwd', '<script>alert(1)</script>', '${7*7}', '{{7*7}}', '"', '\\', "'; DROP TABLE x; --",
  'NaN', 'Infinity', '-0', '1e309', '9007199254740993', 'null', 'true', '[]', '{}', ...NASTY_KEYS,
] as const;

/** Any string a client could send, biased towards the ones that break parsers. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 64 }) },
  { weight: 3, arbitrary: fc.constantFrom(...SPECIAL_STRINGS) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 32 }) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('a', '\u0000', '€', '😀', '%'), fc.integer({ min: 1_000, max: 200_000 })).map(([c, n]) => c.repeat(n)) },
);

/** Object keys: hostile, random or plausible. */
export const hostileKey: fc.Arbitrary<string> = fc.oneof(fc.constantFrom(...NASTY_KEYS), hostileString, fc.constantFrom('type', 'id', 'method', 'params', 'text', 'session', 'token', 'topics', 'limit'));

/** JSON values with hostile keys and strings, nested a little. */
export const hostileJson: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null), fc.boolean(), fc.integer(), fc.double(), hostileString,
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(hostileKey, tie('value'), { maxKeys: 5 }),
  ),
})).value;

/** `[[[[…]]]]` or `{"a":{"a":…}}` nested `depth` levels, as text. */
export function deepJson(depth: number, kind: 'array' | 'object'): string {
  return kind === 'array' ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
}

/** Text that is almost JSON: truncated, with junk spliced in, or deeply nested. */
export const brokenJsonText: fc.Arbitrary<string> = fc.oneof(
  fc.tuple(hostileJson, fc.nat()).map(([v, cut]) => {
    const text = JSON.stringify(v) ?? 'null';
    return text.slice(0, text.length === 0 ? 0 : cut % text.length);
  }),
  fc.tuple(hostileJson, fc.nat(), hostileString).map(([v, at, junk]) => {
    const text = JSON.stringify(v) ?? 'null';
    const i = text.length === 0 ? 0 : at % text.length;
    return text.slice(0, i) + junk + text.slice(i);
  }),
  fc.tuple(fc.integer({ min: 1_000, max: 100_000 }), fc.constantFrom('array' as const, 'object' as const)).map(([d, k]) => deepJson(d, k)),
  fc.constantFrom('', ' ', 'null', '[]', '"x"', '1', '{', '}', '{"__proto__":{"polluted":1}}', '{"constructor":{"prototype":{"polluted":1}}}', '\ufeff{}'),
);

/** Bytes that are not valid UTF-8 (lone continuation bytes, overlongs, surrogates, truncated sequences). */
export const invalidUtf8: fc.Arbitrary<Buffer> = fc.tuple(
  fc.string({ maxLength: 16 }),
  fc.constantFrom([0x80], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82], [0xff], [0xfe, 0xff]),
  fc.string({ maxLength: 16 }),
).map(([a, bad, b]) => Buffer.concat([Buffer.from(`{"text":"${a}`), Buffer.from(bad), Buffer.from(`${b}"}`)]));

/** A request body: valid-but-wrong JSON, broken JSON, or invalid UTF-8. */
export const hostileBody: fc.Arbitrary<Buffer> = fc.oneof(
  hostileJson.map((v) => Buffer.from(JSON.stringify(v) ?? 'null')),
  brokenJsonText.map((t) => Buffer.from(t)),
  invalidUtf8,
);

/** Percent-encodes every byte of the UTF-8 form but unreserved ones (lone surrogates become U+FFFD, not a throw). */
export function pct(text: string): string {
  return [...Buffer.from(text, 'utf8')].map((b) => /[A-Za-z0-9_.~-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
}

/** True when someone has written onto Object.prototype (a successful pollution). */
export function prototypePolluted(): boolean {
  const probe: Record<string, unknown> = {};
  return probe.polluted !== undefined || Object.keys(Object.prototype).length > 0;
}

/** fc.assert, with the property's own failure (fast-check 4 keeps it in `cause`) in the message the test runner prints. */
export async function checkProperty<Ts extends [unknown, ...unknown[]]>(property: fc.IAsyncProperty<Ts> | fc.IProperty<Ts>, params: fc.Parameters<Ts>): Promise<void> {
  try {
    await fc.assert(property, params);
  } catch (err) {
    const cause = (err as { cause?: unknown }).cause;
    if (cause instanceof Error) throw new Error(`${(err as Error).message}\nCaused by: ${cause.message.slice(0, 2000)}`, { cause });
    throw err;
  }
}
