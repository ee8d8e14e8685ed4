// Pure text logic shared by the fake model servers: reading chat bodies, token estimates, delta splitting.

/** Text of a message `content`: a plain string, or the `text` of every text part in a block array. */
export function textOfContent(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part: unknown) => (isRecord(part) && typeof part['text'] === 'string' ? part['text'] : ''))
    .join('');
}

export interface ConversationText {
  /** Every text the model would read: top-level `system` (Anthropic) and each message's content. */
  all: string[];
  /** Text of the last message whose role is `user` ('' when there is none). */
  lastUser: string;
}

/** Reads the texts of a chat request body; works for both Anthropic Messages and OpenAI chat bodies. */
export function conversationText(body: Record<string, unknown>): ConversationText {
  const all: string[] = [];
  if (body['system'] !== undefined) all.push(textOfContent(body['system']));
  let lastUser = '';
  const messages = Array.isArray(body['messages']) ? body['messages'] : [];
  for (const message of messages) {
    if (!isRecord(message)) continue;
    const text = textOfContent(message['content']);
    all.push(text);
    if (message['role'] === 'user') lastUser = text;
  }
  return { all, lastUser };
}

/** The fakes' token estimate: one token per four characters, rounded up. */
export function estimateTokens(chars: number): number {
  return Math.ceil(chars / 4);
}

/** Cuts `text` so that its estimate fits `maxTokens`; `truncated` says whether anything was cut. */
export function limitToTokens(text: string, maxTokens: number | undefined): { text: string; truncated: boolean } {
  if (maxTokens === undefined || estimateTokens(text.length) <= maxTokens) return { text, truncated: false };
  return { text: text.slice(0, Math.max(0, maxTokens) * 4), truncated: true };
}

/**
 * Splits `text` into stream deltas the way a model streams: word by word, long words in pieces of at
 * most `size` characters. Joining the result gives `text` back exactly.
 */
export function splitIntoDeltas(text: string, size = 4): string[] {
  const deltas: string[] = [];
  for (const word of text.match(/\s*\S+\s*|\s+/g) ?? []) {
    for (let i = 0; i < word.length; i += size) deltas.push(word.slice(i, i + size));
  }
  return deltas;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A positive integer field of a request body, or undefined. */
export function positiveInt(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : undefined;
}
