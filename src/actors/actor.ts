// The worker-side contract of an actor module: its default export receives an ActorContext and runs until stopped.
import type { Logger } from '../log/logger.js';
import type { Mailbox } from './mailbox.js';
import type { ActorState } from './messages.js';

export interface ActorContext {
  name: string;
  /** Talks to the main thread: handle its requests, send it requests and events. */
  mailbox: Mailbox;
  /** The spec's options, unvalidated: each actor checks its own. */
  options: unknown;
  /** Aborted when the supervisor asks the actor to stop. */
  signal: AbortSignal;
  logger: Logger;
  /** Reports the actor's state; `up` makes it ready. */
  setState(state: ActorState['state'], detail?: string, info?: Record<string, unknown>): void;
}

/** Resolves when the actor has stopped cleanly; a rejection or an uncaught exception is a crash. */
export type ActorMain = (ctx: ActorContext) => Promise<void>;

/** Resolves when the signal is aborted: the usual tail of an actor that only reacts to messages. */
export function untilAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}
