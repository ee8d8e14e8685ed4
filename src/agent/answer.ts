// One agent call on its worker: reads the session's history, runs the providers, streams the answer's deltas.
import { AppError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { StoreReader } from '../store/store.js';
import type { Turn } from '../store/records.js';
import type { AgentActorOptions, AgentCall, AgentDelta, AgentResult } from '../actors/messages.js';
import { conversationUpTo, readHistory, type ConversationTurn } from './history.js';
import type { Provider } from './provider.js';
import { runAgent } from './runner.js';
import type { TurnCache } from './turn-cache.js';

/** Turns read after the one answered, for answers to earlier questions stored late: two per queued message (256) is enough. */
const LATER_TURNS = 1024;

export interface AnswerContext {
  reader: StoreReader;
  /** Decoded turns of recent sessions, kept across calls. */
  turns: TurnCache;
  agent: AgentActorOptions['agent'];
  /** Built once per actor from `agent`, so each keeps its SDK client (and its keep-alive connections) across calls. */
  primary: Provider;
  fallback: Provider | undefined;
  logger: Logger;
}

/** Answers one user turn; resolves with a structured-cloneable result (provider failures become `ok: false`). */
export async function answerCall(ctx: AnswerContext, call: AgentCall, onDelta: (delta: AgentDelta) => void): Promise<AgentResult> {
  const { agent, turns: cache } = ctx;
  // The turn to answer was written by another thread just before this call was sent: read the newest snapshot.
  const reader = ctx.reader.latest();
  let later: Turn[] | undefined;
  let needed = 0;
  let turns: readonly ConversationTurn[];
  try {
    turns = readHistory((limit) => {
      needed = limit;
      const upTo = cache.history(reader, call.session, limit, call.seq);
      later ??= reader.turnsAfter(call.session, call.seq, LATER_TURNS);
      return { turns: conversationUpTo(upTo, later, call.seq), complete: upTo.length < limit };
    }, agent.history_tokens, cache.lastLimit(call.session));
  } finally {
    // Also after a failed read: the cache's order and size rely on every read being finished. The next turn of this
    // conversation most likely needs as many turns: it starts there instead of growing again.
    if (needed > 0) cache.finishRead(call.session, needed);
  }
  const last = turns.at(-1);
  if (last?.seq !== call.seq || last.role !== 'user') {
    throw new AppError('not_found', `session ${call.session} has no user turn ${call.seq} to answer`);
  }
  return runAgent({
    primary: ctx.primary,
    ...(ctx.fallback ? { fallback: ctx.fallback } : {}),
    skip: call.skip,
    system: agent.system_prompt,
    turns,
    maxTokens: agent.max_tokens,
    historyTokens: agent.history_tokens,
    timeoutMs: agent.timeout_ms,
    maxRetries: agent.max_retries,
    onDelta: (text, reset) => onDelta(reset ? { call: call.call, text, reset } : { call: call.call, text }),
    logger: ctx.logger,
  });
}
