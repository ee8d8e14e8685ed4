// Acceptance 3 and the schema guard, with real child processes: a SIGKILLed gateway loses no acknowledged
// message and answers the pending ones after restart; a data dir from a newer version is refused at start.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import WebSocket from 'ws';
import { jsonLines, runCli, startGateway, tempDir, type RunningGateway } from '../helpers/cli.js';
import { historyUntil, waitReady, type StoredTurn } from '../helpers/gateway-api.js';
import { waitFor } from '../helpers/actors.js';
import { startFakeOpenAI, type FakeModelServer } from '../fakes/openai.js';
import { SCHEMA_VERSION, StoreVersionError, closeDbs, openDbs } from '../../src/store/lmdb.js';

const SESSIONS = ['dur-a', 'dur-b'];
const KILL_AFTER_ACKS = 30;
const MAX_SENT = 80;

/**
 * What "acknowledged" means here. A 200 from POST /api/chat comes only once the turn is answered, so it is
 * a late, partial signal. A message is accepted when the persistence actor has committed it: only then does
 * the router publish its `message` event (direction "in") to WebSocket subscribers, and only then is the
 * caller's turn queued. So the acknowledged set is every `in` event a subscriber saw before the kill; the
 * answered set (HTTP 200s) is a subset of it. Channel actors get the same signal as the reply to
 * channel.inbound, after which e.g. Telegram's update offset is committed with the message.
 */
async function subscribe(url: string, onAccepted: (session: string, text: string) => void): Promise<WebSocket> {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/ws`);
  let subscribed = false;
  ws.on('error', () => undefined); // the gateway is killed under it
  ws.on('message', (raw) => {
    const f = JSON.parse(raw.toString()) as { type: string; id?: string; event?: string; data?: { direction?: string; session?: string; text?: string } };
    if (f.type === 'res' && f.id === 'sub') subscribed = true;
    if (f.event === 'message' && f.data?.direction === 'in') onAccepted(f.data.session ?? '', f.data.text ?? '');
  });
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  ws.send(JSON.stringify({ type: 'req', id: 'sub', method: 'subscribe', params: { topics: SESSIONS.map((s) => `session:${s}`) } }));
  await waitFor(() => subscribed, 'the subscription', 5000);
  return ws;
}

function lastUserText(request: { body: unknown }): string | undefined {
  return (request.body as { messages: Array<{ content: string }> }).messages.at(-1)?.content;
}

function counts(values: string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const v of values) m.set(v, (m.get(v) ?? 0) + 1);
  return m;
}

describe('durability across SIGKILL', () => {
  let fake: FakeModelServer;
  let data: { path: string; cleanup: () => Promise<void> };
  const gateways: RunningGateway[] = [];
  const start = async (): Promise<RunningGateway> => {
    const gw = await startGateway({
      dataDir: data.path,
      configToml: [
        '[server]', 'rate_limit_per_minute = 0',
        '[agent]', 'provider = "openai"', 'api_key = "sk-durable-test"', `base_url = "${fake.url}"`, 'max_retries = 0', '',
      ].join('\n'),
    });
    gateways.push(gw);
    await waitReady(gw.url);
    return gw;
  };

  before(async () => {
    fake = await startFakeOpenAI({ apiKey: 'sk-durable-test' });
    fake.setChunkDelayMs(15); // answers take a while, so turns are still pending when the gateway dies
    data = await tempDir('clanker-durable-');
  });
  after(async () => {
    for (const gw of gateways) await gw.kill();
    await fake?.close();
    await data?.cleanup();
  });

  test('every acknowledged message survives exactly once; pending turns are answered after restart', async (t) => {
    const first = await start();
    // One answered turn per session first, so the worker threads have loaded the model SDK before the stream.
    for (const session of SESSIONS) {
      const res = await fetch(`${first.url}/api/chat`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ session, text: 'warm-up' }) });
      assert.equal(res.status, 200, await res.text());
    }
    const acked: Array<[string, string]> = [];
    const answered: Array<[string, string]> = [];
    const ws = await subscribe(first.url, (session, text) => acked.push([session, text]));
    let killed = false;
    const sent: Array<Promise<void>> = [];
    for (let i = 0; i < MAX_SENT && !killed; i++) {
      const session = SESSIONS[i % 2] ?? 'dur-a';
      const text = `m-${i}`;
      sent.push(fetch(`${first.url}/api/chat`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ session, text }), signal: AbortSignal.timeout(60_000),
      }).then(async (res) => { if (res.status === 200) answered.push([session, text]); await res.text(); }, () => undefined));
      await new Promise((r) => setTimeout(r, 10));
      if (acked.length >= KILL_AFTER_ACKS) {
        await first.kill(); // SIGKILL, mid-stream: more requests are in flight, most turns unanswered
        killed = true;
      }
    }
    assert.ok(killed, `only ${acked.length} acknowledgements before all ${MAX_SENT} were sent`);
    await Promise.all(sent);
    ws.terminate();
    const ackedAtKill = [...acked];
    const answeredAtKill = [...answered];
    // Pending at the kill: acknowledged, and the model had not even been asked (an answer can be stored
    // before its HTTP response leaves, so a missing 200 alone does not make a turn pending).
    const callsBefore = fake.callCount();
    const askedBefore = new Set(fake.requests.map(lastUserText));
    const pendingAtKill = ackedAtKill.filter(([, text]) => !askedBefore.has(text));
    t.diagnostic(`at the kill: ${sent.length} sent, ${ackedAtKill.length} acknowledged, ${answeredAtKill.length} answered, ${pendingAtKill.length} not yet asked`);
    assert.ok(pendingAtKill.length > 0, 'some acknowledged turns were still unanswered at the kill');

    const second = await start();
    const histories = new Map<string, StoredTurn[]>();
    for (const session of SESSIONS) {
      const answeredAll = (turns: StoredTurn[]) => turns.filter((t) => t.role === 'assistant').length === turns.filter((t) => t.role === 'user').length;
      histories.set(session, await historyUntil(second.url, session, answeredAll, `every turn of ${session} to be answered`));
    }

    for (const session of SESSIONS) {
      const turns = histories.get(session) ?? [];
      const questions = turns.filter((t) => t.role === 'user').map((t) => t.text);
      const replies = turns.filter((t) => t.role === 'assistant').map((t) => t.text);
      assert.deepEqual([...counts(questions)].filter(([, n]) => n > 1), [], `no message of ${session} stored twice`);
      for (const [s, text] of ackedAtKill.filter(([s]) => s === session)) assert.ok(questions.includes(text), `acknowledged ${s}/${text} is in the history`);
      for (const [s, text] of answeredAtKill.filter(([s]) => s === session)) assert.ok(replies.includes(`echo: ${text}`), `the answer to ${s}/${text} is in the history`);
      // Exactly one answer per question: the model echoes the question, so answers and questions pair up.
      assert.deepEqual([...counts(replies)].sort(), [...counts(questions.map((q) => `echo: ${q}`))].sort(), `${session}: one answer per question`);
      assert.ok(questions.every((q) => /^(m-\d+|warm-up)$/.test(q)), questions.join(','));
    }
    // The pending turns were answered by the restarted gateway (its resume), not before the kill.
    const afterRestart = fake.requests.slice(callsBefore).map(lastUserText);
    for (const [, text] of pendingAtKill) assert.ok(afterRestart.includes(text), `${text} was answered after the restart`);
    t.diagnostic(`after restart: ${[...histories.values()].map((h) => h.length / 2).join(' + ')} turns stored and answered`);
    const resumed = jsonLines(second.lines()).find((l) => l.msg === 'answering messages accepted before the last stop');
    assert.ok(typeof resumed?.count === 'number' && resumed.count >= pendingAtKill.length, JSON.stringify(resumed));
  });
});

describe('schema version guard', () => {
  test('a data dir stamped with a newer schema version is refused at start, naming the version', async () => {
    const dir = await tempDir('clanker-schema-');
    try {
      const dataDir = join(dir.path, 'data');
      const dbs = openDbs(dataDir, 64);
      await dbs.meta.put('schema_version', SCHEMA_VERSION + 1);
      await closeDbs(dbs);

      const res = await runCli(['serve', '--port', '0', '--data-dir', dataDir], { timeoutMs: 20_000 });
      assert.equal(res.code, 1, `${res.stdout}\n${res.stderr}`);
      assert.match(res.stderr, new RegExp(`^error: the data in ${dataDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} has schema version ${SCHEMA_VERSION + 1}, newer than this gateway understands \\(${SCHEMA_VERSION}\\)`, 'm'));
      assert.ok(!jsonLines(res.stdout.split('\n')).some((l) => l.msg === 'gateway listening'), 'it never listened');
      assert.throws(() => openDbs(dataDir, 64), StoreVersionError, 'the data was left as it was');
    } finally {
      await dir.cleanup();
    }
  });
});
