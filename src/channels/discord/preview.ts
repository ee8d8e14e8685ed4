// A progressive answer preview: one message created at the first text, then edited at most once per interval with the latest text.

export interface PreviewOps {
  /** Posts the preview message; resolves with its id. */
  create(text: string): Promise<string>;
  edit(messageId: string, text: string): Promise<void>;
}

export class Preview {
  private latest = '';
  private shown = '';
  private id: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private lastAt = Number.NEGATIVE_INFINITY;
  private stopped = false;
  readonly startedAt = Date.now();

  constructor(private readonly ops: PreviewOps, private readonly intervalMs: number, private readonly onError: (err: unknown) => void) {}

  /** The text the preview should show now; written at once if the interval allows, else coalesced into the next write. */
  update(text: string): void {
    if (this.stopped) return;
    this.latest = text;
    this.schedule();
  }

  /** The text the preview message currently shows ('' before it exists). */
  get shownText(): string {
    return this.shown;
  }

  /** Stops further writes and waits for the one in flight; resolves with the preview message's id, if it was created. */
  async finish(): Promise<string | undefined> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.inFlight;
    return this.id;
  }

  private schedule(): void {
    if (this.stopped || this.timer !== undefined || this.inFlight !== undefined || this.latest === this.shown) return;
    const wait = Math.max(0, this.lastAt + this.intervalMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.write();
    }, wait);
  }

  private write(): void {
    const text = this.latest;
    this.lastAt = Date.now();
    const id = this.id;
    this.inFlight = (id === undefined ? this.ops.create(text).then((created) => { this.id = created; }) : this.ops.edit(id, text))
      .then(() => { this.shown = text; })
      // A preview that cannot be written (no permission, deleted) is given up; the final answer is sent anyway.
      .catch((err: unknown) => { this.stopped = true; this.onError(err); })
      .finally(() => {
        this.inFlight = undefined;
        this.schedule();
      });
  }
}
