// One incoming Telegram update → a persisted user turn, or a handled non-turn (command, refusal, pairing) with its offset stored.
import type { Message, Update, UserFromGetMe } from 'grammy/types';
import { Type, TypeCompiler } from '../../vendor/typebox.js';
import type { Logger } from '../../log/logger.js';
import type { Mailbox } from '../../actors/mailbox.js';
import type { InboundAccepted, InboundMessage, SessionInfo, StoreOp } from '../../actors/messages.js';
import type { StoreReader } from '../../store/store.js';
import { decideAccess, isListed, pairingReply, planPairing, PAIRING_FULL_REPLY, REFUSAL_REPLY } from '../access.js';
import { HELP_TEXT, NEW_TEXT, START_TEXT, TEXT_ONLY, parseCommand, statusText, type CommandName } from './commands.js';
import { RATE_NOTICE, type RateLimiter } from './rate-limit.js';
import { OFFSET_KEY, type TelegramOptions } from './options.js';
import type { Outbox } from './outbox.js';

const CHANNEL = 'telegram';

const Entity = Type.Object({ type: Type.String(), offset: Type.Integer(), length: Type.Integer(), user: Type.Optional(Type.Object({ id: Type.Integer() })) });
const Text = Type.Optional(Type.String());
/**
 * The fields of a message this handler reads (Telegram sends many more). An update that does not match is
 * skipped: handling it would throw on every retry and hold back every update after it.
 */
const MessageShape = Type.Object({
  message_id: Type.Integer(),
  chat: Type.Object({ id: Type.Integer(), type: Type.String() }),
  from: Type.Optional(Type.Object({
    id: Type.Integer(), is_bot: Type.Boolean(), first_name: Text, last_name: Text, username: Text,
  })),
  text: Text,
  caption: Text,
  entities: Type.Optional(Type.Array(Entity)),
  caption_entities: Type.Optional(Type.Array(Entity)),
  reply_to_message: Type.Optional(Type.Object({ from: Type.Optional(Type.Object({ id: Type.Integer() })) })),
});
const checkMessage = TypeCompiler.Compile(MessageShape);

export interface UpdateDeps {
  options: TelegramOptions;
  me: UserFromGetMe;
  mailbox: Mailbox;
  reader: StoreReader;
  outbox: Outbox;
  limiter: RateLimiter;
  logger: Logger;
}

/** What an update led to, for logs and tests. */
export type Outcome = 'turn' | 'duplicate' | 'ignored' | 'refused' | 'pairing' | 'limited' | 'command' | 'non-text';

const displayName = (m: Message): string | undefined => {
  const f = m.from;
  if (!f) return undefined;
  return [f.first_name, f.last_name].filter(Boolean).join(' ') || f.username;
};

export class UpdateHandler {
  /** Users told once (per run) that they are not on the list. */
  private readonly refused = new Set<string>();

  constructor(private readonly deps: UpdateDeps) {}

  /**
   * Handles one update. Resolves once it is on disk: a turn with its offset in the same transaction, anything
   * else with its offset alone (polling). Rejects when it must be delivered again (e.g. the store is busy).
   */
  async handle(update: Update, polling: boolean): Promise<Outcome> {
    const offset = polling ? { key: OFFSET_KEY, value: update.update_id + 1 } : undefined;
    const outcome = await this.route(update, offset);
    if (outcome !== 'ignored') this.deps.logger.debug({ update: update.update_id, outcome }, 'telegram update handled');
    return outcome;
  }

  private async route(update: Update, offset: InboundMessage['offset']): Promise<Outcome> {
    const { options, me, reader, outbox, limiter } = this.deps;
    if (update.message !== undefined && !checkMessage.Check(update.message)) {
      const err = checkMessage.Errors(update.message).First();
      this.deps.logger.warn({ update: update.update_id, problem: `${err?.path ?? ''}: ${err?.message ?? 'invalid'}` }, 'telegram update malformed; skipped');
      return this.skip(offset, 'ignored');
    }
    const msg = update.message;
    const from = msg?.from;
    if (!msg || !from || from.is_bot) return this.skip(offset, 'ignored');
    const chat = msg.chat.id;
    const isPrivate = msg.chat.type === 'private';
    const raw = msg.text ?? msg.caption;
    if (!isPrivate) {
      const inGroup = msg.chat.type === 'group' || msg.chat.type === 'supergroup';
      if (!inGroup || options.group_policy === 'off') return this.skip(offset, 'ignored');
      if (options.group_policy === 'mention' && !this.addressed(msg)) return this.skip(offset, 'ignored');
    }
    const user = { id: String(from.id), ...(from.username ? { username: from.username } : {}) };
    const access = decideAccess(options.dm_policy, {
      allowedByConfig: isListed(options.allowed_users, user),
      allowedByStore: reader.isAllowed(CHANNEL, user.id),
    });
    // Strangers in groups get nothing: pairing and refusals happen in private chats only.
    if (access !== 'allow' && !isPrivate) return this.skip(offset, 'ignored');

    const rate = limiter.check(user.id);
    if (rate !== 'ok') {
      await this.skip(offset, 'limited');
      if (rate === 'notice') await outbox.say(chat, RATE_NOTICE);
      return 'limited';
    }
    if (access === 'pair') return this.pair(chat, user, offset);
    if (access === 'refuse') {
      await this.skip(offset, 'refused');
      if (!this.refused.has(user.id)) {
        if (this.refused.size >= 10_000) this.refused.clear(); // bounded: a flood of strangers cannot grow it forever
        this.refused.add(user.id);
        await outbox.say(chat, REFUSAL_REPLY);
      }
      return 'refused';
    }

    const replyTo = isPrivate ? undefined : msg.message_id;
    if (raw === undefined) {
      await this.skip(offset, 'non-text');
      await outbox.say(chat, TEXT_ONLY, replyTo);
      return 'non-text';
    }
    const text = this.withoutMention(raw);
    const command = parseCommand(text, me.username);
    if (command.kind === 'other-bot') return this.skip(offset, 'ignored');
    if (command.kind === 'command') return this.command(command.name, chat, offset, replyTo);

    const inbound: InboundMessage = {
      channel: CHANNEL,
      to: String(chat),
      session: `${CHANNEL}:${chat}`,
      sender: { id: user.id, ...(displayName(msg) ? { name: displayName(msg) } : {}) },
      text,
      externalId: `${chat}:${msg.message_id}`,
      ...(offset ? { offset } : {}),
      ...(replyTo === undefined ? {} : { replyTo: String(replyTo) }),
    };
    const accepted = await this.deps.mailbox.request('channel.inbound', inbound, { timeoutMs: 15_000 }) as InboundAccepted;
    if (accepted.duplicate) return 'duplicate';
    outbox.startTyping(chat);
    return 'turn';
  }

  /** Stores the offset of an update that is not a turn (nothing to store in webhook mode). */
  private async skip(offset: InboundMessage['offset'], outcome: Outcome, ops: StoreOp[] = []): Promise<Outcome> {
    const all: StoreOp[] = offset ? [...ops, { op: 'offset', key: offset.key, value: offset.value }] : ops;
    if (all.length > 0) await this.deps.mailbox.request('store.write', { ops: all }, { timeoutMs: 15_000 });
    return outcome;
  }

  private async pair(chat: number, user: { id: string; username?: string }, offset: InboundMessage['offset']): Promise<Outcome> {
    const now = Date.now();
    const plan = planPairing(this.deps.reader.pairings(CHANNEL, now), user.id, now);
    if (plan.kind === 'full') {
      await this.skip(offset, 'pairing');
      await this.deps.outbox.say(chat, PAIRING_FULL_REPLY);
      return 'pairing';
    }
    const ops: StoreOp[] = plan.kind === 'create'
      ? [{ op: 'pairing.create', channel: CHANNEL, code: plan.code, userId: user.id, expiresAt: plan.expiresAt, to: String(chat), ...(user.username ? { username: user.username } : {}) }]
      : [];
    await this.skip(offset, 'pairing', ops);
    // The owner reads the code here too, to approve without asking the user for it.
    if (plan.kind === 'create') this.deps.logger.info({ user: user.id, username: user.username, code: plan.code }, 'telegram pairing requested: approve with `clanker pairing approve telegram CODE`');
    await this.deps.outbox.say(chat, pairingReply(CHANNEL, plan.code));
    return 'pairing';
  }

  private async command(name: CommandName, chat: number, offset: InboundMessage['offset'], replyTo: number | undefined): Promise<Outcome> {
    const session = `${CHANNEL}:${chat}`;
    let reply: string;
    if (name === 'start') reply = START_TEXT;
    else if (name === 'help') reply = HELP_TEXT;
    else if (name === 'new') {
      await this.deps.mailbox.request('session.reset', { session }, { timeoutMs: 15_000 });
      reply = NEW_TEXT;
    } else {
      reply = statusText(await this.deps.mailbox.request('session.info', { session }, { timeoutMs: 15_000 }) as SessionInfo);
    }
    await this.skip(offset, 'command');
    await this.deps.outbox.say(chat, reply, replyTo);
    return 'command';
  }

  /** In a group: the bot is @mentioned, replied to, or sent a command. */
  private addressed(msg: Message): boolean {
    const { me } = this.deps;
    if (msg.reply_to_message?.from?.id === me.id) return true;
    const text = msg.text ?? msg.caption ?? '';
    const handle = `@${me.username.toLowerCase()}`;
    for (const e of msg.entities ?? msg.caption_entities ?? []) {
      const part = text.slice(e.offset, e.offset + e.length).toLowerCase();
      if (e.type === 'mention' && part === handle) return true;
      // A text_mention always names its user on Telegram; one that does not is no mention of the bot.
      if (e.type === 'text_mention' && e.user?.id === me.id) return true;
      if (e.type === 'bot_command' && e.offset === 0 && (!part.includes('@') || part.endsWith(handle))) return true;
    }
    return false;
  }

  /** The text without the bot's @handle (kept when nothing else is left). */
  private withoutMention(text: string): string {
    const escaped = this.deps.me.username.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const stripped = text.replace(new RegExp(`(^|\\s)@${escaped}\\b`, 'gi'), '$1').trim();
    return stripped === '' ? text : stripped;
  }
}
