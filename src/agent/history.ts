// Pure history shaping: cheap token estimates and the newest stored turns that fit a token budget, with valid roles.
import type { Turn } from '../store/records.js';
import type { ChatMessage } from './provider.js';

export type HistoryTurn = Pick<Turn, 'role' | 'text'>;
/** What placing a stored turn in a conversation needs of it (the workers' turn caches keep only this). */
export type ConversationTurn = Pick<Turn, 'seq' | 'role' | 'text' | 'replyTo'>;

/** Per-message framing (role, separators) that providers count on top of the text. */
export const MESSAGE_OVERHEAD_TOKENS = 4;

/** A cheap token estimate: about four characters per token, rounded up. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

export function messageTokens(message: ChatMessage): number {
  return estimateTokens(message.content) + MESSAGE_OVERHEAD_TOKENS;
}

export function messagesTokens(messages: readonly ChatMessage[]): number {
  return messages.reduce((n, m) => n + messageTokens(m), 0);
}

/** How many stored turns to read so that a budget of `historyTokens` can be filled, with margin for newer turns. */
export function turnsToRead(historyTokens: number): number {
  return Math.min(2000, Math.ceil(historyTokens / MESSAGE_OVERHEAD_TOKENS) + 64);
}

/**
 * The conversation the model sees when answering user turn `seq`, from the turns up to it and those stored
 * after it. An answer is stored when it is ready, so while messages queue in a session its seq comes after
 * later questions: each answer goes back right after the question it answers; later questions stay out.
 * Linear: a long conversation pays for one pass, not a sort.
 */
export function conversationUpTo<T extends ConversationTurn>(upTo: readonly T[], later: readonly T[], seq: number): readonly T[] {
  if (inAnswerOrder(upTo, later, seq)) return upTo;
  // Answers to questions outside the window are collected too, but no question of `upTo` brings them in.
  const answersTo = new Map<number, T[]>();
  for (const turns of [upTo, later]) {
    for (const t of turns) {
      if (!isAnswer(t) || t.replyTo >= seq) continue;
      const answers = answersTo.get(t.replyTo);
      if (answers) answers.push(t);
      else answersTo.set(t.replyTo, [t]);
    }
  }
  const out: T[] = [];
  for (const t of upTo) {
    if (isAnswer(t)) continue;
    out.push(t);
    const answers = t.role === 'user' ? answersTo.get(t.seq) : undefined;
    if (answers) out.push(...answers);
  }
  return out;
}

/** An assistant turn that answers a stored question (notes and older answers carry no `replyTo`). */
function isAnswer<T extends ConversationTurn>(t: T): t is T & { replyTo: number } {
  return t.role === 'assistant' && t.replyTo !== undefined;
}

/**
 * Whether conversationUpTo would return `upTo` unchanged (the usual case: no messages queued): every answer in it
 * follows its question, which comes before `seq`, and no later answer belongs before `seq`. One pass, nothing copied.
 */
function inAnswerOrder(upTo: readonly ConversationTurn[], later: readonly ConversationTurn[], seq: number): boolean {
  for (const t of later) if (isAnswer(t) && t.replyTo < seq) return false;
  let previous: ConversationTurn | undefined;
  for (const t of upTo) {
    if (isAnswer(t) && (t.replyTo >= seq || previous?.role !== 'user' || previous.seq !== t.replyTo)) return false;
    previous = t;
  }
  return true;
}

/**
 * Turns as a valid chat: empty turns dropped, consecutive same-role turns merged (an unanswered user
 * turn followed by another), leading and trailing assistant turns dropped. Both providers then accept it:
 * user first, roles alternating, user last.
 */
export function normalizeTurns(turns: readonly HistoryTurn[]): ChatMessage[] {
  const out: ChatMessage[] = [];
  for (const turn of turns) {
    if (turn.text.trim() === '') continue;
    const last = out.at(-1);
    if (last?.role === turn.role) last.content += `\n\n${turn.text}`;
    else if (last !== undefined || turn.role === 'user') out.push({ role: turn.role, content: turn.text });
  }
  while (out.at(-1)?.role === 'assistant') out.pop();
  return out;
}

/**
 * The newest history that fits `historyTokens`: always the final user message (even if it alone is over
 * budget), then whole user/assistant pairs going back in time until the next older pair does not fit.
 */
export function buildMessages(turns: readonly HistoryTurn[], historyTokens: number): ChatMessage[] {
  return fitHistory(turns, historyTokens).messages;
}

/** buildMessages, and whether the budget ended the walk back in time (`bounded`) rather than running out of turns. */
export function fitHistory(turns: readonly HistoryTurn[], historyTokens: number): { messages: ChatMessage[]; bounded: boolean } {
  const chat = normalizeTurns(turns);
  const last = chat.at(-1);
  if (last === undefined) return { messages: [], bounded: false };
  let used = messageTokens(last);
  let start = chat.length - 1;
  // After normalizing, chat is U A U A ... U: the pair before index i is (i-2, i-1).
  while (start >= 2) {
    const pair = messageTokens(chat[start - 2] as ChatMessage) + messageTokens(chat[start - 1] as ChatMessage);
    if (used + pair > historyTokens) return { messages: chat.slice(start), bounded: true };
    used += pair;
    start -= 2;
  }
  return { messages: chat.slice(start), bounded: false };
}

/** The conversation built from the newest `limit` stored turns, and whether those were all the turns there are. */
export type ReadTurns<T extends HistoryTurn> = (limit: number) => { turns: readonly T[]; complete: boolean };

/**
 * The stored turns that buildMessages needs for `historyTokens`, read newest first in growing chunks:
 * a long conversation costs what fits the budget, not turnsToRead() decoded records. A chunk is enough
 * once the budget, not the chunk, stops the walk back: older turns cannot change that result (the
 * oldest message of a chunk can only grow when more of its turns are read).
 */
export function readHistory<T extends HistoryTurn>(read: ReadTurns<T>, historyTokens: number, firstChunk = 64): readonly T[] {
  const max = turnsToRead(historyTokens);
  for (let n = Math.min(firstChunk, max); ; n = Math.min(max, n * 4)) {
    const { turns, complete } = read(n);
    if (complete || n >= max || fitHistory(turns, historyTokens).bounded) return turns;
  }
}
