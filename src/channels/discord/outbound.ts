// Answers going out to Discord: streamed previews edited in place, final texts split at 2000 characters, typing while waiting.
import type { Client, SendableChannels } from '../../vendor/discord.js';
import type { Logger } from '../../log/logger.js';
import type { ChannelSend, ChannelSent, ChannelStream } from '../../actors/messages.js';
import { AppError } from '../../errors.js';
import { chunkText } from '../chunk.js';
import { Preview } from './preview.js';
import { TypingIndicator, type TypingOptions } from './typing.js';

/** Discord's limit on a message's content. */
export const DISCORD_MAX_CHARS = 2000;
/** Discord allows about 5 edits per 5 s per channel; one a second leaves room for the final edit and other chats. */
export const EDIT_INTERVAL_MS = 1000;
/** A preview whose final answer never came (the main thread restarted) is dropped after this long. */
const PREVIEW_MAX_AGE_MS = 10 * 60_000;

export interface OutboundOptions {
  editIntervalMs?: number;
  typing?: TypingOptions;
}

export class DiscordOutbound {
  private readonly previews = new Map<string, Preview>();
  readonly typing: TypingIndicator;
  private readonly editIntervalMs: number;

  /** `client()` is the connected client of the moment (it is replaced after an unrecoverable disconnect). */
  constructor(private readonly client: () => Client | undefined, private readonly logger: Logger, opts: OutboundOptions = {}) {
    this.editIntervalMs = opts.editIntervalMs ?? EDIT_INTERVAL_MS;
    this.typing = new TypingIndicator(
      async (channelId) => { await (await this.channel(channelId)).sendTyping(); },
      (err) => this.logger.debug({ err }, 'typing indicator failed'),
      opts.typing,
    );
  }

  /** Shows the answer so far in one message, edited at most once per interval. */
  stream(ev: ChannelStream): void {
    let preview = this.previews.get(ev.streamId);
    if (!preview) {
      this.dropStalePreviews();
      preview = new Preview({
        create: (text) => this.post(ev.to, text, ev.replyTo),
        edit: (id, text) => this.edit(ev.to, id, text),
      }, this.editIntervalMs, (err) => this.logger.warn({ err, to: ev.to }, 'answer preview failed; the final answer is sent as new messages'));
      this.previews.set(ev.streamId, preview);
    }
    preview.update(chunkText(ev.text, DISCORD_MAX_CHARS)[0] ?? '');
  }

  /** Sends a final answer: the preview (if any) becomes its first part, the rest go out as new messages. */
  async send(req: ChannelSend): Promise<ChannelSent> {
    try {
      const chunks = chunkText(req.text, DISCORD_MAX_CHARS);
      if (chunks.length === 0) chunks.push('…');
      const ids: string[] = [];
      const preview = req.streamId === undefined ? undefined : this.previews.get(req.streamId);
      if (preview && req.streamId !== undefined) {
        this.previews.delete(req.streamId);
        const id = await preview.finish();
        const first = chunks[0] ?? '';
        if (id !== undefined && (preview.shownText === first || await this.editOrGiveUp(req.to, id, first))) {
          ids.push(id);
          chunks.shift();
        }
      }
      for (const chunk of chunks) ids.push(await this.post(req.to, chunk, ids.length === 0 ? req.replyTo : undefined));
      return { messageIds: ids };
    } finally {
      this.typing.done(req.to);
    }
  }

  async sendText(channelId: string, text: string, replyTo?: string): Promise<void> {
    for (const [i, chunk] of chunkText(text, DISCORD_MAX_CHARS).entries()) await this.post(channelId, chunk, i === 0 ? replyTo : undefined);
  }

  close(): void {
    this.typing.close();
    for (const preview of this.previews.values()) void preview.finish();
    this.previews.clear();
  }

  private async channel(id: string): Promise<SendableChannels> {
    const client = this.client();
    if (!client?.isReady()) throw new AppError('busy', 'discord is not connected');
    const channel = await client.channels.fetch(id);
    if (!channel?.isSendable()) throw new AppError('bad_params', `discord channel ${id} cannot take messages`);
    return channel;
  }

  /** allowed_mentions comes from the client options, so every create and edit carries it. */
  private async post(to: string, content: string, replyTo?: string): Promise<string> {
    const channel = await this.channel(to);
    const sent = await channel.send({ content, ...(replyTo ? { reply: { messageReference: replyTo, failIfNotExists: false } } : {}) });
    return sent.id;
  }

  private async edit(to: string, messageId: string, content: string): Promise<void> {
    await (await this.channel(to)).messages.edit(messageId, { content });
  }

  /** False when the preview cannot be edited (deleted meanwhile): the text then goes out as a new message. */
  private async editOrGiveUp(to: string, messageId: string, content: string): Promise<boolean> {
    try {
      await this.edit(to, messageId, content);
      return true;
    } catch (err) {
      this.logger.warn({ err, to }, 'could not finish the answer preview; sending the answer as new messages');
      return false;
    }
  }

  private dropStalePreviews(): void {
    const cutoff = Date.now() - PREVIEW_MAX_AGE_MS;
    for (const [streamId, preview] of this.previews) {
      if (preview.startedAt >= cutoff) continue;
      void preview.finish();
      this.previews.delete(streamId);
    }
  }
}
