// Reliability suite, actor crash loop (in process, real worker threads and LMDB): messages for a crash-looping channel are answered exactly once.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Piscina } from 'piscina';
import { createPool } from '../../src/actors/pool.js';
import { Supervisor, type ActorRef } from '../../src/actors/supervisor.js';
import { Router, type AgentRunner } from '../../src/actors/router.js';
import { openDbs, type StoreDbs } from '../../src/store/lmdb.js';
import { StoreReader } from '../../src/store/store.js';
import { StoreClient } from '../../src/store/client.js';
import fc from 'fast-check';
import type { StoreOp, StoreOpResult } from '../../src/actors/messages.js';
import { AppError } from '../../src/errors.js';
import { memoryLogger, testActorUrl, waitFor } from '../helpers/actors.js';
import { tempDir } from '../helpers/cli.js';
import { checkProperty } from '../helpers/hostile-arbs.js';

/** The store actor dying right after a commit, before its answer: the write is on disk, the caller hears `busy`. */
class LostAckStore extends StoreClient {
  lost = 0;
  constructor(read: StoreReader, writer: ActorRef, private readonly loseAck: () => boolean) {
    super(read, writer);
  }

  override async write(ops: StoreOp[]): Promise<StoreOpResult[]> {
    const results = await super.write(ops);
    if (this.loseAck()) {
      this.lost++;
      throw new AppError('busy', 'store: mailbox closed');
    }
    return results;
  }
}

const PERSISTENCE = new URL('../../src/store/persistence-actor.js', import.meta.url).href;
const CRASHES = 2;
const MESSAGES = 30;

/** An agent that answers `re: <the turn's text>` at once. */
function echoAgent(store: StoreClient): AgentRunner {
  return {
    run: async (session, seq) => ({
      ok: true, text: `re: ${store.read.turn(session, seq)?.text ?? '?'}`, usage: { input: 1, output: 1 },
      provider: 'echo', model: 'echo', stopReason: 'end_turn', attempts: [],
    }),
  };
}

describe('reliability: a channel actor in a crash loop', () => {
  const log = memoryLogger();
  let dir: { path: string; cleanup: () => Promise<void> };
  let pool: Piscina;
  let sup: Supervisor;
  let dbs: StoreDbs;
  let store: StoreClient;
  let router: Router;
  let flaky: ActorRef;
  let persistence: ActorRef;

  before(async () => {
    dir = await tempDir('clanker-crashloop-');
    const dataDir = join(dir.path, 'data');
    dbs = openDbs(dataDir, 64);
    // One thread: each crash also takes down the store actor beside it, the hardest case.
    pool = createPool(1, log.logger);
    sup = new Supervisor(pool, log.logger, { level: 'silent', secrets: [] });
    persistence = sup.start({ name: 'store', module: PERSISTENCE, options: { dataDir, mapSizeMb: 64, sessionTtlDays: 0 }, restart: { maxRestarts: 50 } });
    store = new StoreClient(new StoreReader(dbs), persistence);
    const agent = echoAgent(store);
    const channels = new Map<string, ActorRef>();
    router = new Router({ store, agent, events: { message: () => undefined, delta: () => undefined }, budget: () => ({ ok: true }), channels, logger: log.logger });
    await persistence.whenUp(30_000);
    flaky = sup.start({
      name: 'flaky', module: testActorUrl('flaky-channel'),
      options: { startsFile: join(dir.path, 'starts'), deliveriesFile: join(dir.path, 'deliveries'), crashes: CRASHES },
      restart: { baseMs: 100, maxMs: 2000, maxRestarts: 10, windowMs: 60_000 },
    });
    channels.set('flaky', flaky);
  });
  after(async () => {
    await sup?.stop(2000);
    await pool?.destroy();
    await dbs?.root.close();
    await dir?.cleanup();
  });

  test(`${MESSAGES} messages (and redeliveries) during ${CRASHES} crashes: each answered and delivered exactly once`, async (t) => {
    const answers: Array<Promise<unknown>> = [];
    let duplicates = 0;
    let busyRetries = 0;
    // A channel keeps a message it could not hand over (Telegram does not confirm its offset) and tries again.
    const acceptLikeAChannel = async (msg: Parameters<Router['accept']>[0]): ReturnType<Router['accept']> => {
      for (;;) {
        try {
          return await router.accept(msg);
        } catch (err) {
          if ((err as { code?: string }).code !== 'busy' || busyRetries++ > 200) throw err;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    };
    for (let i = 0; i < MESSAGES; i++) {
      const msg = { channel: 'flaky', to: 'chat-1', session: 'flaky:chat-1', sender: { id: 'u1' }, text: `message ${i}`, externalId: `ext-${i}` };
      const accepted = await acceptLikeAChannel(msg);
      if (accepted.answer) answers.push(accepted.answer);
      // A channel that redelivers (it crashed before hearing the acknowledgment) must not get a second answer.
      if (i % 5 === 0) {
        const again = await acceptLikeAChannel(msg);
        assert.equal(again.duplicate, true);
        duplicates++;
      }
      await new Promise((r) => setTimeout(r, 40));
    }
    await Promise.all(answers);
    await waitFor(() => store.read.pending().length === 0, 'no pending turns');
    const delivered = existsSync(join(dir.path, 'deliveries'))
      ? readFileSync(join(dir.path, 'deliveries'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as string)
      : [];
    for (let i = 0; i < MESSAGES; i++) assert.equal(delivered.filter((d) => d === `re: message ${i}`).length, 1, `message ${i}`);
    assert.equal(delivered.length, MESSAGES);
    assert.ok(flaky.restarts >= CRASHES, `${flaky.restarts} restarts`);
    assert.equal(flaky.state, 'up');
    t.diagnostic(`crash loop: ${flaky.restarts} channel actor restarts (faults injected ${CRASHES} crashes, store actor beside it restarted ${sup.get('store')?.restarts ?? 0}×); messages sent ${MESSAGES} + ${duplicates} redeliveries (+${busyRetries} retried while the store restarted), delivered exactly once ${delivered.length}`);
  });

  test('store acknowledgments lost after commit (fast-check schedules): each message still answered and delivered once', async (t) => {
    let runs = 0;
    let sent = 0;
    let lost = 0;
    let retries = 0;
    await checkProperty(fc.asyncProperty(fc.array(fc.boolean(), { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 8 }), async (schedule, count) => {
      runs++;
      let step = 0;
      let inARow = 0;
      // At most two losses in a row: the store comes back (a store that never does is the full-store test's business).
      const lossy = new LostAckStore(store.read, persistence, () => {
        const lose = schedule[step++ % schedule.length] === true && inARow < 2;
        inARow = lose ? inARow + 1 : 0;
        return lose;
      });
      const delivered: string[] = [];
      const channel = {
        request: async (_type: string, payload: unknown) => { delivered.push((payload as { text: string }).text); return { messageIds: ['x'] }; },
        emit: () => undefined,
      } as unknown as ActorRef;
      const r = new Router({
        store: lossy, agent: echoAgent(lossy), events: { message: () => undefined, delta: () => undefined }, budget: () => ({ ok: true }),
        channels: new Map([['lossy', channel]]), logger: log.logger, storeRetryMs: 5,
      });
      const session = `lossy:run-${runs}`;
      const answers: Array<Promise<unknown>> = [];
      for (let i = 0; i < count; i++) {
        const msg = { channel: 'lossy', to: 'c', session, sender: { id: 'u' }, text: `m${i}`, externalId: `${session}-${i}` };
        for (let attempt = 0; ; attempt++) {
          try {
            const { answer } = await r.accept(msg);
            if (answer) answers.push(answer);
            break;
          } catch (err) {
            if ((err as AppError).code !== 'busy' || attempt > 10) throw err;
            retries++;
          }
        }
        sent++;
      }
      await Promise.all(answers);
      await waitFor(() => store.read.pending().every((p) => p.session !== session), `no pending turns in ${session}`, 10_000);
      for (let i = 0; i < count; i++) assert.equal(delivered.filter((d) => d === `re: m${i}`).length, 1, `m${i} delivered ${delivered.join(',')}`);
      const turns = store.read.history(session, 100);
      assert.equal(turns.filter((x) => x.role === 'assistant').length, count, 'one stored answer per message');
      lost += lossy.lost;
    }), { numRuns: 15 });
    t.diagnostic(`lost store acknowledgments: ${runs} schedules, ${lost} acknowledgments lost after commit (${retries} channel retries); messages sent ${sent}, each delivered exactly once and stored with one answer`);
  });
});
