// runAgentTask in-process: history read from a real LMDB store, deltas over a MessageChannel, sessions isolated.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { closeAgentStores, runAgentTask } from '../../src/agent/task.js';
import type { AgentResult, AgentTask, EventEnvelope, ProviderSettings } from '../../src/actors/messages.js';
import { AppError } from '../../src/errors.js';
import { openDbs, type StoreDbs } from '../../src/store/lmdb.js';
import type { StoreOp } from '../../src/actors/messages.js';
import { applyOps } from '../../src/store/writes.js';
import { startFakeAnthropic } from '../fakes/anthropic.js';
import type { FakeModelServer } from '../fakes/model-fake-core.js';

const MAP_MB = 64;

function userOp(session: string, text: string, externalId: string): StoreOp {
  return { op: 'user', ts: Date.now(), message: { channel: 'ws', to: 'client', session, sender: { id: 'u1' }, text, externalId } };
}

function answerOp(session: string, replyTo: number, text: string): StoreOp {
  return { op: 'answer', session, replyTo, text, ts: Date.now(), usage: { input: 1, output: 1 }, provider: 'echo', model: 'echo' };
}

/** Runs a task with one end of a fresh channel; collects the events that reach the other end until it closes. */
async function runWithPort(task: Omit<AgentTask, 'port'>): Promise<{ result: AgentResult; events: EventEnvelope[] }> {
  const { port1, port2 } = new MessageChannel();
  const events: EventEnvelope[] = [];
  port2.on('message', (m: EventEnvelope) => events.push(m));
  const closed = waitForClose(port2);
  try {
    const result = await runAgentTask({ ...task, port: port1 });
    await closed;
    return { result, events };
  } finally {
    port2.close();
  }
}

function waitForClose(port: MessagePort, timeoutMs = 2000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('port did not close')), timeoutMs);
    port.once('close', () => { clearTimeout(timer); resolve(); });
  });
}

describe('runAgentTask', () => {
  let dir: string;
  let dbs: StoreDbs;
  let fake: FakeModelServer;
  let anthropic: ProviderSettings;
  const echo: ProviderSettings = { provider: 'echo', model: '', api_key: '', base_url: '' };

  const task = (session: string, seq: number, primary: ProviderSettings): Omit<AgentTask, 'port'> => ({
    kind: 'agent', session, seq,
    store: { dataDir: dir, mapSizeMb: MAP_MB },
    agent: { primary, skip: [], max_tokens: 200, system_prompt: 'sys', timeout_ms: 2000, max_retries: 0, history_tokens: 1000 },
    log: { level: 'silent', secrets: [] },
  });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'clanker-agent-task-'));
    dbs = openDbs(dir, MAP_MB);
    fake = await startFakeAnthropic();
    anthropic = { provider: 'anthropic', model: 'claude-test', api_key: 'k', base_url: fake.url };
    await applyOps(dbs, [userOp('ws:a', 'my name is Ada', 'a1')]); // seq 0
    await applyOps(dbs, [answerOp('ws:a', 0, 'hello Ada')]); // seq 1
    await applyOps(dbs, [userOp('ws:a', 'what is my name?', 'a2')]); // seq 2
    await applyOps(dbs, [userOp('ws:a', 'a later message', 'a3')]); // seq 3, newer than the task
    await applyOps(dbs, [userOp('ws:b', 'I am Bob', 'b1')]); // seq 0
    await applyOps(dbs, [answerOp('ws:b', 0, 'hello Bob')]); // seq 1
    await applyOps(dbs, [userOp('ws:c', 'who am I?', 'c1')]); // seq 0
  });
  after(async () => {
    await closeAgentStores();
    await dbs.root.close();
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('echo: deltas arrive on the other end of the port in order; the result is their join', async () => {
    const { result, events } = await runWithPort(task('ws:c', 0, echo));
    assert.ok(result.ok);
    assert.equal(result.text, 'who am I?');
    assert.ok(events.length > 1);
    assert.ok(events.every((e) => e.kind === 'event' && e.type === 'agent.delta' && e.session === 'ws:c'));
    assert.equal(events.map((e) => (e.payload as { text: string }).text).join(''), result.text);
    assert.deepEqual(structuredClone(result), result);
  });

  test('the history up to the task turn is sent, later turns and other sessions are not', async () => {
    const { result, events } = await runWithPort(task('ws:a', 2, anthropic));
    assert.ok(result.ok);
    assert.equal(result.text, 'echo: what is my name?');
    assert.equal(events.map((e) => (e.payload as { text: string }).text).join(''), result.text);
    const body = fake.requests.at(-1)?.body as { messages: unknown[]; system: string };
    assert.equal(body.system, 'sys');
    assert.deepEqual(body.messages, [
      { role: 'user', content: 'my name is Ada' },
      { role: 'assistant', content: 'hello Ada' },
      { role: 'user', content: 'what is my name?' },
    ]);

    await runWithPort(task('ws:c', 0, anthropic));
    assert.deepEqual((fake.requests.at(-1)?.body as { messages: unknown[] }).messages, [{ role: 'user', content: 'who am I?' }]);
  });

  test('a provider failure comes back as the apology; the port still closes', async () => {
    fake.failNext(1, { status: 401 });
    const { result } = await runWithPort(task('ws:a', 2, anthropic));
    assert.equal(result.ok, false);
    assert.deepEqual(result.attempts.map((a) => a.outcome), ['auth']);
  });

  test('a turn that is not a stored user turn is refused clearly', async () => {
    const err = await runWithPort(task('ws:b', 1, echo)).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof AppError);
    assert.equal(err.code, 'not_found');
    assert.match(err.message, /no user turn 1/);
  });

  test('an invalid task is refused with the offending field', async () => {
    const bad = { ...task('ws:a', 2, echo), seq: -1 };
    const { port1, port2 } = new MessageChannel();
    const closed = waitForClose(port2);
    await assert.rejects(runAgentTask({ ...bad, port: port1 }), (e: unknown) => e instanceof AppError && e.code === 'bad_params' && /\/seq/.test(e.message));
    await closed;
    await assert.rejects(runAgentTask({ ...task('ws:a', 2, echo), port: {} }), (e: unknown) => e instanceof AppError && /MessagePort/.test(e.message));
  });
});
