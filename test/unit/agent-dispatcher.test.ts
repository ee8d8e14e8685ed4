// The dispatcher on a real pool and supervisor, two agent actors against the fake Anthropic: calls are spread to the
// least busy actor, deltas reach only their own call, and a crashed worker fails the calls it held at once.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AgentDispatcher } from '../../src/agent/dispatcher.js';
import { buildConfig } from '../../src/config/load.js';
import { AppError } from '../../src/errors.js';
import { applyOps } from '../../src/store/writes.js';
import { waitFor } from '../helpers/actors.js';
import { startAgentFixture, type AgentFixture } from '../helpers/agent-fixture.js';

const MAP_MB = 64;
const SESSIONS = ['ws:s0', 'ws:s1', 'ws:s2', 'ws:s3', 'ws:s4', 'ws:s5'];

describe('agent dispatcher', () => {
  let fx: AgentFixture;
  let dispatcher: AgentDispatcher;

  before(async () => {
    // One thread for both actors: which actor takes a call is then the dispatcher's choice alone.
    fx = await startAgentFixture({ threads: 1, mapSizeMb: MAP_MB });
    for (const [i, session] of SESSIONS.entries()) {
      await applyOps(fx.dbs, [{ op: 'user', ts: Date.now(), message: { channel: 'ws', to: 'client', session, sender: { id: 'u' }, text: `question ${i}`, externalId: `q${i}` } }]);
    }
    const { config } = buildConfig({
      agent: { provider: 'anthropic', api_key: 'k', base_url: fx.fake.url, timeout_ms: 2000, max_retries: 0 },
      storage: { data_dir: fx.dir, map_size_mb: MAP_MB },
    }, {});
    dispatcher = new AgentDispatcher(fx.supervisor, config, 2);
    await dispatcher.whenUp(30_000);
  });
  after(() => fx.close());

  const depths = (): (number | undefined)[] => ['agent-1', 'agent-2'].map((name) => fx.supervisor.get(name)?.mailbox?.depth);

  test('concurrent calls go to the least busy actor, and each hears only its own deltas', async () => {
    // Each answer streams for a while, so none can finish before the four calls have been sent.
    fx.fake.setChunkDelayMs(100);
    try {
      const heard = new Map<string, string>();
      const calls = SESSIONS.slice(0, 4).map((session) =>
        dispatcher.run(session, 0, (text, reset) => heard.set(session, (reset ? '' : heard.get(session) ?? '') + text)));
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(depths(), [2, 2]);
      const results = await Promise.all(calls);
      for (const [i, result] of results.entries()) {
        assert.ok(result.ok, `call ${i} failed`);
        assert.equal(result.text, `echo: question ${i}`);
        assert.equal(heard.get(SESSIONS[i] ?? ''), result.text);
      }
      assert.deepEqual(depths(), [0, 0]);
    } finally {
      fx.fake.setChunkDelayMs(0);
    }
  });

  test('a crashed worker fails the calls in flight at once; the restarted actors answer the next call', { timeout: 30_000 }, async () => {
    const sent = fx.fake.requests.length;
    fx.fake.hangNext(2);
    // Without the crash handling these would wait for the call limit, 2 × (0 + 1) × (2 s + 30 s), past the test's timeout.
    const inFlight = SESSIONS.slice(0, 2).map((session) => dispatcher.run(session, 0, () => undefined).then(() => 'answered', (err: unknown) => err));
    await waitFor(() => fx.fake.requests.length >= sent + 2, 'both calls at the fake');
    await fx.pool.threads[0]?.terminate();
    for (const outcome of await Promise.all(inFlight)) {
      assert.ok(outcome instanceof AppError, `a call in flight ended with ${String(outcome)}`);
      assert.equal(outcome.code, 'busy');
    }
    await waitFor(() => (fx.supervisor.get('agent-1')?.restarts ?? 0) > 0 && (fx.supervisor.get('agent-2')?.restarts ?? 0) > 0, 'both actors restarted');
    await dispatcher.whenUp(30_000);
    const next = await dispatcher.run(SESSIONS[4] ?? '', 0, () => undefined);
    assert.ok(next.ok, 'the next call failed');
    assert.equal(next.text, 'echo: question 4');
  });
});
