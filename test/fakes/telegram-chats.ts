/** The fake Telegram's chats: per-chat message ids, stored messages, and the send/edit/delete rules Telegram enforces. */
import { parseTelegramHtml } from './telegram-html.js';
import type { TelegramEntity } from './telegram-html.js';
import type { SentMessage, TelegramUser } from './telegram.js';
import { badRequest, boolParam, chatIdParam, intParam, jsonParam, recordParam, stringParam } from './telegram-wire.js';
import type { Params } from './telegram-wire.js';

export type Message = Record<string, unknown> & { message_id: number };

interface Chat {
  info: Record<string, unknown>;
  nextId: number;
  messages: Map<number, { message: Message; fromBot: boolean; content: string }>;
}

export interface IncomingOptions {
  chatId?: number;
  chatType?: 'private' | 'group' | 'supergroup';
  replyToBot?: boolean;
  entities?: unknown[];
  caption?: boolean;
  photo?: boolean;
}

const MAX_TEXT = 4096;
const now = (): number => Math.floor(Date.now() / 1000);

/** Text as Telegram stores it: HTML parsed, length and emptiness checked (length counts code points, as tdlib does). */
function formatText(p: Params, tooLong: string): { text: string; entities: TelegramEntity[] } {
  const raw = stringParam(p, 'text');
  if (raw === undefined || raw === '') throw badRequest('message text is empty');
  const mode = (stringParam(p, 'parse_mode') ?? '').toLowerCase();
  let formatted: { text: string; entities: TelegramEntity[] } = { text: raw, entities: [] };
  if (mode === 'html') {
    const parsed = parseTelegramHtml(raw);
    if (!parsed.ok) throw badRequest(`can't parse entities: ${parsed.error}`);
    formatted = parsed;
  } else if (mode !== '' && mode !== 'markdown' && mode !== 'markdownv2') {
    throw badRequest('unsupported parse_mode');
  }
  if (formatted.text.trim() === '') throw badRequest('message must be non-empty');
  if ([...formatted.text].length > MAX_TEXT) throw badRequest(tooLong);
  return formatted;
}

/** Entities Telegram's clients would send for a typed message: bot commands and @mentions. */
function detectEntities(text: string): TelegramEntity[] {
  const found: TelegramEntity[] = [];
  for (const m of text.matchAll(/(?<![\w/<>])\/\w{1,64}(?:@\w{3,32})?(?![\w/<>])/g)) {
    found.push({ type: 'bot_command', offset: m.index ?? 0, length: m[0].length });
  }
  for (const m of text.matchAll(/(?<![\w@])@\w{2,32}(?!\w)/g)) {
    found.push({ type: 'mention', offset: m.index ?? 0, length: m[0].length });
  }
  return found.sort((a, b) => a.offset - b.offset);
}

export class ChatStore {
  private chats = new Map<number, Chat>();

  constructor(private readonly bot: TelegramUser) {}

  /** Builds (and stores) an incoming user message as Telegram would deliver it in an update. */
  incoming(from: TelegramUser, text: string, opts: IncomingOptions = {}): Message {
    const chatId = opts.chatId ?? from.id;
    const type = opts.chatType ?? (chatId > 0 ? 'private' : chatId < -1e12 ? 'supergroup' : 'group');
    const sender = { is_bot: false, first_name: from.first_name ?? `User${from.id}`, ...from };
    const info: Record<string, unknown> =
      type === 'private'
        ? { id: chatId, type, first_name: sender.first_name, ...(from.username ? { username: from.username } : {}) }
        : { id: chatId, type, title: `Test ${type} ${chatId}` };
    const chat = this.chat(chatId, info);
    const message: Message = { message_id: chat.nextId++, from: sender, chat: chat.info, date: now() };
    const entities = opts.entities ?? detectEntities(text);
    if (opts.photo || opts.caption) {
      message.photo = [90, 800].map((side) => ({
        file_id: `photo-${chatId}-${message.message_id}-${side}`,
        file_unique_id: `uniq-${chatId}-${message.message_id}-${side}`,
        width: side,
        height: side,
        file_size: side * 40,
      }));
      if (text !== '') message.caption = text;
      if (text !== '' && entities.length > 0) message.caption_entities = entities;
    } else {
      message.text = text;
      if (entities.length > 0) message.entities = entities;
    }
    if (opts.replyToBot) message.reply_to_message = this.lastFromBot(chat) ?? this.placeholderFromBot(chat);
    chat.messages.set(message.message_id, { message, fromBot: false, content: '' });
    return message;
  }

  /** Stores a message carried by a raw injected update so later replies and edits can find it. */
  remember(message: unknown): void {
    if (typeof message !== 'object' || message === null) return;
    const m = message as Record<string, unknown>;
    const chatInfo = m.chat as Record<string, unknown> | undefined;
    if (typeof m.message_id !== 'number' || typeof chatInfo?.id !== 'number') return;
    const chat = this.chat(chatInfo.id, chatInfo);
    chat.nextId = Math.max(chat.nextId, m.message_id + 1);
    chat.messages.set(m.message_id, { message: m as Message, fromBot: false, content: '' });
  }

  send(p: Params): { message: Message; record: SentMessage } {
    const chatId = chatIdParam(p);
    const formatted = formatText(p, 'message is too long');
    const chat = this.chat(chatId);
    const replyParams = recordParam(p, 'reply_parameters');
    const replyTo = intParam(replyParams ?? {}, 'message_id') ?? intParam(p, 'reply_to_message_id');
    const replied = replyTo === undefined ? undefined : chat.messages.get(replyTo);
    const mayDangle = boolParam(replyParams ?? {}, 'allow_sending_without_reply') || boolParam(p, 'allow_sending_without_reply');
    if (replyTo !== undefined && !replied && !mayDangle) throw badRequest('message to be replied not found');
    const message: Message = { message_id: chat.nextId++, from: this.botFrom(), chat: chat.info, date: now(), text: formatted.text };
    if (formatted.entities.length > 0) message.entities = formatted.entities;
    if (replied) message.reply_to_message = replied.message;
    const markup = jsonParam(p, 'reply_markup');
    if (markup !== undefined) message.reply_markup = markup;
    chat.messages.set(message.message_id, { message, fromBot: true, content: contentKey(formatted, markup) });
    const record: SentMessage = { method: 'sendMessage', chat_id: chatId, message_id: message.message_id, text: stringParam(p, 'text') ?? '', at: Date.now() };
    const parseMode = stringParam(p, 'parse_mode');
    if (parseMode !== undefined) record.parse_mode = parseMode;
    if (replied) record.reply_to_message_id = replyTo;
    return { message, record };
  }

  edit(p: Params): { message: Message; record: SentMessage } {
    if (p.inline_message_id !== undefined) throw badRequest('MESSAGE_ID_INVALID');
    const chatId = chatIdParam(p);
    const messageId = intParam(p, 'message_id');
    if (messageId === undefined) throw badRequest('message identifier is not specified');
    const formatted = formatText(p, 'MESSAGE_TOO_LONG');
    const stored = this.chats.get(chatId)?.messages.get(messageId);
    if (!stored) throw badRequest('message to edit not found');
    if (!stored.fromBot) throw badRequest("message can't be edited");
    const markup = jsonParam(p, 'reply_markup');
    const content = contentKey(formatted, markup);
    if (content === stored.content) {
      throw badRequest(
        'message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message',
      );
    }
    const message: Message = { ...stored.message, text: formatted.text, edit_date: now() };
    delete message.entities;
    delete message.reply_markup;
    if (formatted.entities.length > 0) message.entities = formatted.entities;
    if (markup !== undefined) message.reply_markup = markup;
    stored.message = message;
    stored.content = content;
    const record: SentMessage = { method: 'editMessageText', chat_id: chatId, message_id: messageId, text: stringParam(p, 'text') ?? '', at: Date.now() };
    const parseMode = stringParam(p, 'parse_mode');
    if (parseMode !== undefined) record.parse_mode = parseMode;
    return { message, record };
  }

  delete(p: Params): true {
    const chatId = chatIdParam(p);
    const messageId = intParam(p, 'message_id');
    if (messageId === undefined) throw badRequest('message identifier is not specified');
    if (!this.chats.get(chatId)?.messages.delete(messageId)) throw badRequest('message to delete not found');
    return true;
  }

  private chat(id: number, info?: Record<string, unknown>): Chat {
    let chat = this.chats.get(id);
    if (!chat) {
      const fallback = id > 0 ? { id, type: 'private', first_name: `User${id}` } : { id, type: id < -1e12 ? 'supergroup' : 'group', title: `Test chat ${id}` };
      chat = { info: info ?? fallback, nextId: 1, messages: new Map() };
      this.chats.set(id, chat);
    } else if (info) {
      chat.info = info;
    }
    return chat;
  }

  private botFrom(): Record<string, unknown> {
    return { ...this.bot, is_bot: true };
  }

  private lastFromBot(chat: Chat): Message | undefined {
    return [...chat.messages.values()].filter((m) => m.fromBot).at(-1)?.message;
  }

  // A reply to the bot needs a bot message to point at; invent one when the test never sent any.
  private placeholderFromBot(chat: Chat): Message {
    const message: Message = { message_id: chat.nextId++, from: this.botFrom(), chat: chat.info, date: now(), text: 'earlier bot message' };
    chat.messages.set(message.message_id, { message, fromBot: true, content: contentKey({ text: 'earlier bot message', entities: [] }, undefined) });
    return message;
  }
}

function contentKey(formatted: { text: string; entities: TelegramEntity[] }, markup: unknown): string {
  return JSON.stringify([formatted.text, formatted.entities, markup ?? null]);
}
