// Everything the bot sends: "typing…" while waiting, a throttled streaming preview, and final answers as HTML chunks.
import type { Api } from '../../vendor/grammy.js';
import type { Logger } from '../../log/logger.js';
import type { ChannelSend, ChannelSent, ChannelStream } from '../../actors/messages.js';
import { chunkText } from '../chunk.js';
import { renderTelegramHtml } from './format.js';
import { describeError, isMissingMessage, isNotModified, isParseError, toChannelError } from './api.js';

/** Telegram's message limit, in characters after entity parsing. */
export const TELEGRAM_LIMIT = 4096;

export interface OutboxTiming {
  /** Least time between two edits of one preview. */
  editIntervalMs: number;
  /** Telegram shows "typing…" for about 5 s per action. */
  typingIntervalMs: number;
  /** Typing stops by itself after this long without an answer. */
  typingMaxMs: number;
  /** A preview whose final text never came is forgotten after this long. */
  streamTtlMs: number;
}

export const DEFAULT_TIMING: OutboxTiming = { editIntervalMs: 1000, typingIntervalMs: 4000, typingMaxMs: 120_000, streamTtlMs: 15 * 60_000 };

interface Preview {
  chat: number;
  replyTo?: number;
  messageId?: number;
  /** The text the preview shows now, and the newest text to show. */
  shown: string;
  latest: string;
  lastEditAt: number;
  startedAt: number;
  /** The final text has taken over: no more preview edits. */
  done: boolean;
  timer?: NodeJS.Timeout;
  /** Creation and edits of one preview run one after another. */
  chain: Promise<void>;
}

/** The first `limit` units of a preview, never cutting a surrogate pair. */
function previewText(text: string): string {
  if (text.length <= TELEGRAM_LIMIT) return text;
  let cut = TELEGRAM_LIMIT - 1;
  const c = text.charCodeAt(cut - 1);
  if (c >= 0xd800 && c <= 0xdbff) cut--;
  return `${text.slice(0, cut)}…`;
}

const replyParams = (replyTo: number | undefined): object =>
  replyTo === undefined ? {} : { reply_parameters: { message_id: replyTo, allow_sending_without_reply: true } };

export class Outbox {
  private readonly typing = new Map<number, { timer: NodeJS.Timeout; until: number }>();
  private readonly previews = new Map<string, Preview>();

  constructor(private readonly api: Api, private readonly logger: Logger, private readonly timing: OutboxTiming = DEFAULT_TIMING) {}

  /** Shows "typing…" in a chat now and every few seconds until an answer (or its preview) arrives. */
  startTyping(chat: number): void {
    const until = Date.now() + this.timing.typingMaxMs;
    const running = this.typing.get(chat);
    if (running) {
      running.until = until;
      return;
    }
    const act = (): void => {
      this.api.sendChatAction(chat, 'typing').catch((err: unknown) => this.logger.debug({ chat, why: describeError(err) }, 'typing action failed'));
    };
    const timer = setInterval(() => {
      const entry = this.typing.get(chat);
      if (!entry || Date.now() > entry.until) this.stopTyping(chat);
      else act();
    }, this.timing.typingIntervalMs);
    this.typing.set(chat, { timer, until });
    act();
  }

  stopTyping(chat: number): void {
    const entry = this.typing.get(chat);
    if (!entry) return;
    clearInterval(entry.timer);
    this.typing.delete(chat);
  }

  /** Shows the answer so far: the first event sends a preview message, later ones edit it at most once per interval. */
  stream(ev: ChannelStream): void {
    const text = previewText(ev.text);
    if (text.trim() === '') return;
    this.forgetStale();
    let p = this.previews.get(ev.streamId);
    if (!p) {
      const chat = Number(ev.to);
      this.stopTyping(chat);
      p = { chat, shown: '', latest: text, lastEditAt: 0, startedAt: Date.now(), done: false, chain: Promise.resolve(), ...(ev.replyTo ? { replyTo: Number(ev.replyTo) } : {}) };
      this.previews.set(ev.streamId, p);
      const created = p;
      p.chain = this.createPreview(created);
      return;
    }
    p.latest = text;
    this.scheduleEdit(p);
  }

  /** Sends a final answer: the preview (if any) becomes its first chunk, further chunks are new messages. */
  async send(msg: ChannelSend): Promise<ChannelSent> {
    const chat = Number(msg.to);
    this.stopTyping(chat);
    const preview = msg.streamId === undefined ? undefined : this.previews.get(msg.streamId);
    if (preview && msg.streamId !== undefined) {
      preview.done = true;
      clearTimeout(preview.timer);
      this.previews.delete(msg.streamId);
      await preview.chain;
    }
    const chunks = chunkText(msg.text, TELEGRAM_LIMIT);
    if (chunks.length === 0) chunks.push('…');
    const ids: string[] = [];
    try {
      for (const [i, chunk] of chunks.entries()) {
        if (i === 0 && preview?.messageId !== undefined) {
          ids.push(String(await this.editFinal(chat, preview.messageId, chunk, msg.replyTo)));
        } else {
          ids.push(String(await this.sendFinal(chat, chunk, i === 0 && msg.replyTo ? Number(msg.replyTo) : undefined)));
        }
      }
    } catch (err) {
      this.logger.warn({ chat, why: describeError(err), sent: ids.length, chunks: chunks.length }, 'telegram delivery failed');
      throw toChannelError(err);
    }
    return { messageIds: ids };
  }

  /** A short plain-text notice (refusals, command answers); failures are logged, not thrown. */
  async say(chat: number, text: string, replyTo?: number): Promise<void> {
    this.stopTyping(chat);
    await this.api.sendMessage(chat, text, replyParams(replyTo)).catch((err: unknown) => this.logger.warn({ chat, why: describeError(err) }, 'telegram notice failed'));
  }

  close(): void {
    for (const chat of [...this.typing.keys()]) this.stopTyping(chat);
    for (const p of this.previews.values()) {
      p.done = true;
      clearTimeout(p.timer);
    }
    this.previews.clear();
  }

  private async createPreview(p: Preview): Promise<void> {
    const text = p.latest;
    try {
      const m = await this.api.sendMessage(p.chat, text, replyParams(p.replyTo));
      p.messageId = m.message_id;
      p.shown = text;
      p.lastEditAt = Date.now();
    } catch (err) {
      this.logger.warn({ chat: p.chat, why: describeError(err) }, 'telegram preview failed');
      return;
    }
    if (p.latest !== p.shown) this.scheduleEdit(p);
  }

  private scheduleEdit(p: Preview): void {
    if (p.timer || p.done || p.messageId === undefined) return;
    const wait = Math.max(0, p.lastEditAt + this.timing.editIntervalMs - Date.now());
    p.timer = setTimeout(() => {
      p.timer = undefined;
      p.chain = p.chain.then(() => this.editPreview(p));
    }, wait);
  }

  private async editPreview(p: Preview): Promise<void> {
    if (p.done || p.messageId === undefined || p.latest === p.shown) return;
    const text = p.latest;
    p.lastEditAt = Date.now();
    try {
      await this.api.editMessageText(p.chat, p.messageId, text);
      p.shown = text;
    } catch (err) {
      if (isNotModified(err)) p.shown = text;
      else this.logger.debug({ chat: p.chat, why: describeError(err) }, 'telegram preview edit failed');
    }
  }

  /** Sends one chunk as HTML; plain text if Telegram cannot parse the entities. */
  private async sendFinal(chat: number, chunk: string, replyTo: number | undefined): Promise<number> {
    try {
      return (await this.api.sendMessage(chat, renderTelegramHtml(chunk), { parse_mode: 'HTML', ...replyParams(replyTo) })).message_id;
    } catch (err) {
      if (!isParseError(err)) throw err;
      this.logger.warn({ chat, why: describeError(err) }, 'telegram rejected the HTML; sending plain text');
      return (await this.api.sendMessage(chat, chunk, replyParams(replyTo))).message_id;
    }
  }

  /** Turns the preview into the first chunk; a preview that is gone is replaced by a new message. */
  private async editFinal(chat: number, messageId: number, chunk: string, replyTo: string | undefined): Promise<number> {
    try {
      await this.api.editMessageText(chat, messageId, renderTelegramHtml(chunk), { parse_mode: 'HTML' });
      return messageId;
    } catch (err) {
      if (isNotModified(err)) return messageId;
      if (isMissingMessage(err)) return this.sendFinal(chat, chunk, replyTo ? Number(replyTo) : undefined);
      if (!isParseError(err)) throw err;
      this.logger.warn({ chat, why: describeError(err) }, 'telegram rejected the HTML; editing to plain text');
    }
    try {
      await this.api.editMessageText(chat, messageId, chunk);
    } catch (err) {
      if (!isNotModified(err)) throw err;
    }
    return messageId;
  }

  private forgetStale(): void {
    const cutoff = Date.now() - this.timing.streamTtlMs;
    for (const [id, p] of this.previews) {
      if (p.startedAt >= cutoff) continue;
      p.done = true;
      clearTimeout(p.timer);
      this.previews.delete(id);
    }
  }
}
