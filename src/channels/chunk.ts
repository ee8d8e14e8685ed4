// Splits a long answer into messages of at most `limit` UTF-16 units on paragraph, line or word boundaries, keeping code fences balanced.

/** Smallest limit that always leaves room for a reopened and a closed code fence plus some text. */
export const MIN_CHUNK_LIMIT = 64;
const FENCE_CLOSE = '\n```';
/** A language tag worth reopening a block with; anything longer or odder reopens as a bare ```. */
const FENCE_INFO = /^[\w+#.-]{0,12}$/;

interface Cut {
  /** End of this chunk's text (exclusive). */
  at: number;
  /** Where the next chunk's text starts (skips the separator). */
  next: number;
  /** The opener of the code block still open at `at`, or null. */
  fence: string | null;
}

/**
 * The fence state after a (piece of a) line. Like Discord, a ``` anywhere counts: an odd number of them
 * toggles the state; an opening one is remembered with its language tag so the block can be reopened.
 */
function afterLine(fence: string | null, line: string): string | null {
  const parts = line.split('```');
  if (parts.length % 2 === 1) return fence;
  if (fence !== null) return null;
  const info = (parts.at(-1) ?? '').trim();
  return FENCE_INFO.test(info) ? `\`\`\`${info}` : '```';
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/**
 * The best place to end a chunk that starts at `start` and may hold `room` units: a paragraph break outside
 * code, else a line break outside code, else any line break, else a space (each only past half the room),
 * else a hard cut that never splits a surrogate pair.
 */
function findCut(text: string, start: number, room: number, fenceAtStart: string | null): Cut {
  const end = Math.min(start + room, text.length);
  const minAt = start + Math.floor(room / 2);
  let fence = fenceAtStart;
  let lineStart = start;
  let para: Cut | undefined;
  let lineOut: Cut | undefined;
  let lineAny: Cut | undefined;
  let space: number | undefined;
  for (let i = start; i <= end && i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      fence = afterLine(fence, text.slice(lineStart, i));
      lineStart = i + 1;
      if (i < minAt) continue;
      if (fence === null) {
        let next = i + 1;
        while (text.charCodeAt(next) === 10) next++;
        lineOut = { at: i, next, fence };
        if (next > i + 1) para = lineOut;
      }
      lineAny = { at: i, next: i + 1, fence };
      space = undefined;
    } else if ((c === 32 || c === 9) && i >= minAt && i < end) {
      space = i;
    }
  }
  const best = para ?? lineOut ?? lineAny;
  if (best) return best;
  // Mid-line cuts: the part of the line before the cut may itself open or close a block.
  if (space !== undefined) return { at: space, next: space + 1, fence: afterLine(fence, text.slice(lineStart, space)) };
  let at = end;
  if (at < text.length && isHighSurrogate(text.charCodeAt(at - 1))) at--;
  return { at, next: at, fence: afterLine(fence, text.slice(lineStart, at)) };
}

/**
 * Splits `text` into pieces of at most `limit` UTF-16 units (so also at most `limit` code points). A code
 * block cut in two is closed at the end of one piece and reopened, with its language, in the next.
 * Whitespace at the cuts is dropped; blank text gives no pieces.
 */
export function chunkText(text: string, limit: number): string[] {
  if (!Number.isInteger(limit) || limit < MIN_CHUNK_LIMIT) throw new RangeError(`chunk limit must be an integer >= ${MIN_CHUNK_LIMIT}`);
  const chunks: string[] = [];
  let pos = 0;
  let fence: string | null = null;
  while (pos < text.length) {
    const reopen = fence === null ? '' : `${fence}\n`;
    if (reopen.length + text.length - pos <= limit) {
      const last = text.slice(pos).trimEnd();
      if (last.trim() !== '') chunks.push(reopen + last);
      break;
    }
    const room = limit - reopen.length;
    let cut = findCut(text, pos, room, fence);
    // Only a chunk that ends inside a code block needs room for the closing fence.
    if (cut.fence !== null) cut = findCut(text, pos, room - FENCE_CLOSE.length, fence);
    const piece = text.slice(pos, cut.at).trimEnd();
    if (piece.trim() !== '') chunks.push(reopen + piece + (cut.fence === null ? '' : FENCE_CLOSE));
    fence = cut.fence;
    pos = cut.next;
  }
  return chunks;
}
