// The OpenAI Chat Completions request schema and its mapping onto a gateway chat turn (pure, no I/O).
import { Type, type Static } from '../vendor/typebox.js';
import { AppError } from '../errors.js';
import type { PriorTurn } from './api.js';
import type { Usage } from '../store/records.js';

const Role = Type.Union(['system', 'developer', 'user', 'assistant', 'tool', 'function'].map((r) => Type.Literal(r)));

// Extra fields (name, tool_calls, temperature, max_tokens ...) are accepted and ignored: clients send many.
const Message = Type.Object({ role: Role, content: Type.Optional(Type.Unknown()) });

export const CompletionRequest = Type.Object({
  model: Type.String({ minLength: 1, maxLength: 256 }),
  messages: Type.Array(Message, { minItems: 1, maxItems: 10_000 }),
  stream: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
  stream_options: Type.Optional(Type.Union([Type.Object({ include_usage: Type.Optional(Type.Boolean()) }), Type.Null()])),
  n: Type.Optional(Type.Union([Type.Literal(1), Type.Null()])),
  user: Type.Optional(Type.String({ minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9_.:@-]+$', description: '1-200 of A-Z a-z 0-9 _ . : @ - (it names the session openai:<user>)' })),
});
export type CompletionRequest = Static<typeof CompletionRequest>;

/** Longest turn text the gateway takes (the same limit as `chat`). */
const MAX_TEXT = 100_000;

/** The text of a message's `content`: a string, or an array of `{type:"text",text}` parts joined. */
export function contentText(content: unknown, field: string): string {
  if (content === undefined || content === null) return '';
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) throw new AppError('bad_params', `${field}: expected a string or an array of text parts`);
  return content.map((part: unknown, i) => {
    const p = part as { type?: unknown; text?: unknown } | null;
    if (p?.type !== 'text' || typeof p.text !== 'string') {
      throw new AppError('bad_params', `${field}.${i}: only {"type":"text","text":"..."} parts are supported`);
    }
    return p.text;
  }).join('');
}

export interface MappedTurn {
  /** `openai:<user>` when the request names a user, else undefined (a fresh session). */
  session: string | undefined;
  text: string;
  /** User and assistant messages before the last user message, in order. */
  prior: PriorTurn[];
}

/**
 * The gateway turn for a request: the last user message is the turn; earlier user/assistant messages are
 * its prior turns; system, developer, tool and function messages are dropped (the gateway has its own prompt).
 */
export function mapRequest(req: CompletionRequest): MappedTurn {
  const last = req.messages.findLastIndex((m) => m.role === 'user');
  if (last < 0) throw new AppError('bad_params', 'messages: needs a message with role "user"');
  const after = req.messages.findIndex((m, i) => i > last && (m.role === 'assistant' || m.role === 'tool' || m.role === 'function'));
  if (after >= 0) throw new AppError('bad_params', `messages.${after}: the conversation must end with a user message (the gateway answers the last one)`);
  const text = contentText(req.messages[last]?.content, `messages.${last}.content`);
  if (text.trim() === '') throw new AppError('bad_params', `messages.${last}.content: must not be empty`);
  if (text.length > MAX_TEXT) throw new AppError('bad_params', `messages.${last}.content: longer than ${MAX_TEXT} characters`);
  const prior: PriorTurn[] = [];
  req.messages.slice(0, last).forEach((m, i) => {
    if (m.role !== 'user' && m.role !== 'assistant') return;
    const t = contentText(m.content, `messages.${i}.content`);
    if (t !== '') prior.push({ role: m.role, text: t });
  });
  return { session: req.user === undefined ? undefined : `openai:${req.user}`, text, prior };
}

export function openaiUsage(usage: Usage): { prompt_tokens: number; completion_tokens: number; total_tokens: number } {
  return { prompt_tokens: usage.input, completion_tokens: usage.output, total_tokens: usage.input + usage.output };
}

/** The `chat.completion` object of a finished, non-streamed answer. */
export function completionObject(id: string, created: number, model: string, text: string, usage: Usage): Record<string, unknown> {
  return {
    id, object: 'chat.completion', created, model,
    choices: [{ index: 0, message: { role: 'assistant', content: text, refusal: null }, logprobs: null, finish_reason: 'stop' }],
    usage: openaiUsage(usage),
  };
}

/** One `chat.completion.chunk` as an SSE `data:` line; `usage: null` rides on every chunk when usage was asked for. */
export function chunkLine(base: { id: string; created: number; model: string; includeUsage: boolean }, delta: Record<string, unknown>, finish: string | null): string {
  return sseData({
    id: base.id, object: 'chat.completion.chunk', created: base.created, model: base.model,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    ...(base.includeUsage ? { usage: null } : {}),
  });
}

export function sseData(value: unknown): string {
  return `data: ${typeof value === 'string' ? value : JSON.stringify(value)}\n\n`;
}
