// The agent actor on a real worker pool: history read from a real LMDB store, deltas before the answer on the
// actor's port, sessions isolated, bad calls refused with the field.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ActorRef } from '../../src/actors/supervisor.js';
import { AgentDelta, type AgentActorOptions, type AgentCall, type AgentResult, type ProviderSettings, type StoreOp } from '../../src/actors/messages.js';
import { AppError } from '../../src/errors.js';
import { applyOps } from '../../src/store/writes.js';
import { startAgentFixture, type AgentFixture } from '../helpers/agent-fixture.js';

const MAP_MB = 64;
const AGENT_MODULE = new URL('../../src/agent/agent-actor.js', import.meta.url).href;

function userOp(session: string, text: string, externalId: string): StoreOp {
  return { op: 'user', ts: Date.now(), message: { channel: 'ws', to: 'client', session, sender: { id: 'u1' }, text, externalId } };
}

function answerOp(session: string, replyTo: number, text: string): StoreOp {
  return { op: 'answer', session, replyTo, text, ts: Date.now(), usage: { input: 1, output: 1 }, provider: 'echo', model: 'echo' };
}

describe('agent actor', () => {
  let fx: AgentFixture;
  let anthropic: ProviderSettings;
  const echo: ProviderSettings = { provider: 'echo', model: '', api_key: '', base_url: '' };
  /** Deltas received, in arrival order, each with the call it belongs to. */
  const deltas: AgentDelta[] = [];
  let nextCall = 0;
  const actors = new Map<string, ActorRef>();

  /** One actor per primary provider, started on first use. */
  async function actorFor(primary: ProviderSettings): Promise<ActorRef> {
    let ref = actors.get(primary.provider);
    if (!ref) {
      const options: AgentActorOptions = {
        store: { dataDir: fx.dir, mapSizeMb: MAP_MB },
        agent: { primary, max_tokens: 200, system_prompt: 'sys', timeout_ms: 2000, max_retries: 0, history_tokens: 1000 },
      };
      ref = fx.supervisor.start({ name: `agent-${primary.provider}`, module: AGENT_MODULE, options, wire: (m) => m.on('agent.delta', AgentDelta, (d) => deltas.push(d)) });
      actors.set(primary.provider, ref);
    }
    await ref.whenUp(30_000);
    return ref;
  }

  /** Runs one call; the deltas of this call that arrived before its answer. */
  async function run(session: string, seq: number, primary: ProviderSettings): Promise<{ result: AgentResult; deltas: AgentDelta[] }> {
    const ref = await actorFor(primary);
    const call: AgentCall = { call: ++nextCall, session, seq, skip: [] };
    const result = await ref.request('agent.run', call, { session }) as AgentResult;
    return { result, deltas: deltas.filter((d) => d.call === call.call) };
  }

  before(async () => {
    fx = await startAgentFixture({ threads: 1, mapSizeMb: MAP_MB });
    anthropic = { provider: 'anthropic', model: 'claude-test', api_key: 'k', base_url: fx.fake.url };
    await applyOps(fx.dbs, [userOp('ws:a', 'my name is Ada', 'a1')]); // seq 0
    await applyOps(fx.dbs, [answerOp('ws:a', 0, 'hello Ada')]); // seq 1
    await applyOps(fx.dbs, [userOp('ws:a', 'what is my name?', 'a2')]); // seq 2
    await applyOps(fx.dbs, [userOp('ws:a', 'a later message', 'a3')]); // seq 3, newer than the task
    await applyOps(fx.dbs, [userOp('ws:b', 'I am Bob', 'b1')]); // seq 0
    await applyOps(fx.dbs, [answerOp('ws:b', 0, 'hello Bob')]); // seq 1
    await applyOps(fx.dbs, [userOp('ws:c', 'who am I?', 'c1')]); // seq 0
  });
  after(() => fx.close());

  test('echo: every delta arrives before the answer, in order; the answer is their join', async () => {
    const { result, deltas: mine } = await run('ws:c', 0, echo);
    assert.ok(result.ok);
    assert.equal(result.text, 'who am I?');
    assert.ok(mine.length > 1);
    assert.equal(mine.map((d) => d.text).join(''), result.text);
  });

  test('the history up to the task turn is sent, later turns and other sessions are not', async () => {
    const { result, deltas: mine } = await run('ws:a', 2, anthropic);
    assert.ok(result.ok);
    assert.equal(result.text, 'echo: what is my name?');
    assert.equal(mine.map((d) => d.text).join(''), result.text);
    const body = fx.fake.requests.at(-1)?.body as { messages: unknown[]; system: string };
    assert.equal(body.system, 'sys');
    assert.deepEqual(body.messages, [
      { role: 'user', content: 'my name is Ada' },
      { role: 'assistant', content: 'hello Ada' },
      { role: 'user', content: 'what is my name?' },
    ]);

    await run('ws:c', 0, anthropic);
    assert.deepEqual((fx.fake.requests.at(-1)?.body as { messages: unknown[] }).messages, [{ role: 'user', content: 'who am I?' }]);
  });

  test('a provider failure comes back as the apology', async () => {
    fx.fake.failNext(1, { status: 401 });
    const { result } = await run('ws:a', 2, anthropic);
    assert.equal(result.ok, false);
    assert.deepEqual(result.attempts.map((a) => a.outcome), ['auth']);
  });

  test('a turn that is not a stored user turn is refused clearly', async () => {
    const err = await run('ws:b', 1, echo).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof AppError);
    assert.equal(err.code, 'not_found');
    assert.match(err.message, /no user turn 1/);
  });

  test('an invalid call is refused with the offending field', async () => {
    const ref = await actorFor(echo);
    await assert.rejects(ref.request('agent.run', { call: ++nextCall, session: 'ws:a', seq: -1, skip: [] }),
      (e: unknown) => e instanceof AppError && e.code === 'bad_params' && /\/seq/.test(e.message));
    assert.ok(ref.isUp, 'the actor is still up');
  });
});
