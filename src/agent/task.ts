// The worker side of one agent call: reads the session's history, runs the providers, streams deltas back over the task's port.
import { MessagePort } from 'node:worker_threads';
import { TypeCompiler } from '../vendor/typebox.js';
import type { LevelWithSilent } from '../vendor/pino.js';
import { Mailbox, firstProblem } from '../actors/mailbox.js';
import { AgentTask, type AgentDelta, type AgentResult } from '../actors/messages.js';
import { AppError } from '../errors.js';
import { createLogger, type Logger } from '../log/logger.js';
import { closeDbs, openDbs } from '../store/lmdb.js';
import { StoreReader } from '../store/store.js';
import type { Turn } from '../store/records.js';
import { conversationUpTo, readHistory } from './history.js';
import { createProvider } from './providers.js';
import { runAgent } from './runner.js';
import { TurnCache } from './turn-cache.js';

const checkTask = TypeCompiler.Compile(AgentTask);
const LEVELS = new Set(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']);
/** Deltas are events (never awaited); the capacity only bounds requests, which this mailbox does not send. */
const MAILBOX_CAPACITY = 64;
/** Turns read after the one answered, for answers to earlier questions stored late: two per queued message (256) is enough. */
const LATER_TURNS = 1024;

// One LMDB environment per data directory per worker, kept open across tasks, with its decoded turns.
const readers = new Map<string, { reader: StoreReader; turns: TurnCache }>();
const loggers = new Map<string, Logger>();

function readerFor(dataDir: string, mapSizeMb: number): { reader: StoreReader; turns: TurnCache } {
  let entry = readers.get(dataDir);
  if (!entry) readers.set(dataDir, entry = { reader: new StoreReader(openDbs(dataDir, mapSizeMb)), turns: new TurnCache() });
  return entry;
}

function loggerFor(level: string, secrets: string[]): Logger {
  const key = JSON.stringify([level, secrets]);
  let logger = loggers.get(key);
  if (!logger) {
    const lvl = (LEVELS.has(level) ? level : 'info') as LevelWithSilent;
    loggers.set(key, logger = createLogger({ level: lvl, secrets, name: 'agent' }));
  }
  return logger;
}

/** Closes the store environments the tasks of this thread opened (worker shutdown, tests). */
export async function closeAgentStores(): Promise<void> {
  const open = [...readers.values()];
  readers.clear();
  await Promise.all(open.map((r) => closeDbs(r.reader.dbs)));
}

/** Checks the shape of a task coming from the main thread; a bad one is a programming error, reported clearly. */
export function validateAgentTask(task: unknown): AgentTask & { port: MessagePort } {
  if (!checkTask.Check(task)) {
    // Close a port that came along anyway, so the main side sees the end instead of waiting for deltas.
    const port: unknown = (task as { port?: unknown } | null)?.port;
    if (port instanceof MessagePort) port.close();
    throw new AppError('bad_params', `invalid agent task: ${firstProblem(checkTask, task)}`);
  }
  if (!(task.port instanceof MessagePort)) throw new AppError('bad_params', 'invalid agent task: /port: Expected a MessagePort (listed in transferList)');
  return task as AgentTask & { port: MessagePort };
}

/** Runs one agent task; resolves with a structured-cloneable result (provider failures become `ok: false`). */
export async function runAgentTask(input: unknown): Promise<AgentResult> {
  const task = validateAgentTask(input);
  const mailbox = new Mailbox(task.port, { capacity: MAILBOX_CAPACITY, name: 'main', self: `agent ${task.session}` });
  try {
    const { reader: cached, turns: cache } = readerFor(task.store.dataDir, task.store.mapSizeMb);
    // The turn to answer was written by another thread just before this task was sent: read the newest snapshot.
    const reader = cached.latest();
    const { agent } = task;
    let later: Turn[] | undefined;
    let needed = 0;
    const turns = readHistory((limit) => {
      needed = limit;
      const upTo = cache.history(reader, task.session, limit, task.seq);
      later ??= reader.turnsAfter(task.session, task.seq, LATER_TURNS);
      return { turns: conversationUpTo(upTo, later, task.seq), complete: upTo.length < limit };
    }, agent.history_tokens, cache.lastLimit(task.session));
    // The next turn of this conversation most likely needs as many: it starts there instead of growing again.
    cache.rememberLimit(task.session, needed);
    const last = turns.at(-1);
    if (last?.seq !== task.seq || last.role !== 'user') {
      throw new AppError('not_found', `session ${task.session} has no user turn ${task.seq} to answer`);
    }
    return await runAgent({
      primary: createProvider(agent.primary, agent.timeout_ms),
      ...(agent.fallback ? { fallback: createProvider(agent.fallback, agent.timeout_ms) } : {}),
      skip: agent.skip,
      system: agent.system_prompt,
      turns,
      maxTokens: agent.max_tokens,
      historyTokens: agent.history_tokens,
      timeoutMs: agent.timeout_ms,
      maxRetries: agent.max_retries,
      onDelta: (text, reset) => {
        const delta: AgentDelta = reset ? { text, reset } : { text };
        mailbox.emit('agent.delta', delta, task.session);
      },
      logger: loggerFor(task.log.level, task.log.secrets),
    });
  } finally {
    mailbox.close();
  }
}
