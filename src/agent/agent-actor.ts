// An agent actor: answers `agent.run` requests (one per user turn, several at once) with the history it reads from
// LMDB itself; deltas and the answer go back on its one port, in order. The dispatcher runs as many as worker threads.
import { TypeCompiler } from '../vendor/typebox.js';
import { untilAborted, type ActorContext } from '../actors/actor.js';
import { firstProblem } from '../actors/mailbox.js';
import { AgentActorOptions, AgentCall, type AgentDelta, type AgentResult } from '../actors/messages.js';

const checkOptions = TypeCompiler.Compile(AgentActorOptions);

interface Answering {
  answer(call: AgentCall, onDelta: (delta: AgentDelta) => void): Promise<AgentResult>;
  close(): Promise<void>;
}

export default async function agentActor(ctx: ActorContext): Promise<void> {
  if (!checkOptions.Check(ctx.options)) throw new Error(`invalid agent actor options: ${firstProblem(checkOptions, ctx.options)}`);
  const { store, agent } = ctx.options;
  // Loaded on the first call, as the model SDKs are: the gateway is ready without them (start → /ready).
  let answering: Promise<Answering> | undefined;
  const load = (): Promise<Answering> => answering ??= (async () => {
    const [{ answerCall }, { openDbs, closeDbs }, { StoreReader }, { TurnCache }, { createProvider }] = await Promise.all([
      import('./answer.js'), import('../store/lmdb.js'), import('../store/store.js'), import('./turn-cache.js'), import('./providers.js'),
    ]);
    const dbs = openDbs(store.dataDir, store.mapSizeMb);
    const context = {
      reader: new StoreReader(dbs), turns: new TurnCache(), agent, logger: ctx.logger,
      primary: createProvider(agent.primary, agent.timeout_ms),
      fallback: agent.fallback && createProvider(agent.fallback, agent.timeout_ms),
    };
    return { answer: (call, onDelta) => answerCall(context, call, onDelta), close: () => closeDbs(dbs) };
  })();
  ctx.mailbox.handle('agent.run', AgentCall, async (call) =>
    (await load()).answer(call, (delta) => ctx.mailbox.emit('agent.delta', delta, call.session)));
  ctx.setState('up');
  await untilAborted(ctx.signal);
  // A first call that failed to load left nothing open.
  await answering?.then((a) => a.close(), () => undefined);
}
