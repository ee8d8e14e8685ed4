// Keeps Discord's typing indicator on in a channel while answers are owed there (Discord lets it lapse after ~10 s).

export interface TypingOptions {
  /** How often the indicator is renewed. */
  everyMs: number;
  /** An owed answer stops counting after this long, so a lost answer cannot leave the bot typing forever. */
  maxMs: number;
}

export const DEFAULT_TYPING: TypingOptions = { everyMs: 8000, maxMs: 120_000 };

export class TypingIndicator {
  /** Per channel: the expiry time of each owed answer, oldest first, and the renewal timer. */
  private readonly owed = new Map<string, { expiries: number[]; timer: NodeJS.Timeout }>();

  constructor(
    private readonly send: (channelId: string) => Promise<void>,
    private readonly onError: (err: unknown) => void,
    private readonly opts: TypingOptions = DEFAULT_TYPING,
  ) {}

  /** One more answer is owed in `channelId`: show the indicator now and keep it up. */
  start(channelId: string): void {
    const expiry = Date.now() + this.opts.maxMs;
    const entry = this.owed.get(channelId);
    if (entry) {
      entry.expiries.push(expiry);
      return;
    }
    const timer = setInterval(() => this.tick(channelId), this.opts.everyMs);
    this.owed.set(channelId, { expiries: [expiry], timer });
    this.ping(channelId);
  }

  /** The oldest owed answer in `channelId` was delivered. */
  done(channelId: string): void {
    const entry = this.owed.get(channelId);
    entry?.expiries.shift();
    if (entry?.expiries.length === 0) this.stop(channelId);
  }

  /** Channels with an indicator running. */
  get active(): string[] {
    return [...this.owed.keys()];
  }

  close(): void {
    for (const channelId of [...this.owed.keys()]) this.stop(channelId);
  }

  private tick(channelId: string): void {
    const entry = this.owed.get(channelId);
    if (!entry) return;
    const now = Date.now();
    while ((entry.expiries[0] ?? Number.POSITIVE_INFINITY) <= now) entry.expiries.shift();
    if (entry.expiries.length === 0) this.stop(channelId);
    else this.ping(channelId);
  }

  private ping(channelId: string): void {
    this.send(channelId).catch(this.onError);
  }

  private stop(channelId: string): void {
    const entry = this.owed.get(channelId);
    if (entry) clearInterval(entry.timer);
    this.owed.delete(channelId);
  }
}
