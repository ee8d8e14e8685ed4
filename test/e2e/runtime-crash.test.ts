// Acceptance 1, in process with real worker threads and real uWS: a crash-looping actor is restarted with
// backoff while /health and another actor keep answering over HTTP; after its restart limit /ready is 503 naming it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Piscina } from 'piscina';
import { buildConfig } from '../../src/config/load.js';
import { Gateway } from '../../src/gateway/app.js';
import { healthRoutes } from '../../src/gateway/http/health.js';
import { GatewayMetrics } from '../../src/gateway/metrics.js';
import { createPool } from '../../src/actors/pool.js';
import { Supervisor, type ActorRef } from '../../src/actors/supervisor.js';
import { memoryLogger, stateRecorder, testActorUrl, waitFor } from '../helpers/actors.js';

const SILENT = { level: 'silent', secrets: [] };

describe('crash supervision over HTTP', () => {
  const log = memoryLogger();
  const states = stateRecorder();
  let pool: Piscina;
  let sup: Supervisor;
  let gateway: Gateway;
  let base: string;
  let echo: ActorRef;

  before(async () => {
    // One thread, so the crashing actor takes its neighbour down with it every time: the hardest case.
    pool = createPool(1, log.logger);
    const metrics = new GatewayMetrics({
      wsConnections: () => 0,
      slowConsumersClosed: () => 0,
      actors: () => sup.all().map((r) => ({ name: r.name, depth: r.mailbox?.depth ?? 0, up: r.isUp })),
    });
    sup = new Supervisor(pool, log.logger, SILENT, { onState: states.record, onRestart: (ref) => metrics.actorRestarted(ref.name) });
    echo = sup.start({ name: 'echo', module: testActorUrl('echo'), options: {} });
    const { config } = buildConfig({ server: { port: 0 } }, {});
    gateway = new Gateway({
      config, logger: log.logger,
      routes: [
        ...healthRoutes({ version: 'test', parts: () => [{ name: 'gateway', state: 'up' }, ...sup.parts()], status: () => ({}) }),
        metrics.route(),
        {
          method: 'GET', pattern: '/echo', auth: false,
          handler: async (ex) => ex.json(200, await echo.request('test.echo', { text: ex.query.get('text') ?? '' }, { timeoutMs: 10_000 })),
        },
      ],
    });
    base = `http://127.0.0.1:${await gateway.listen()}`;
    await echo.whenUp(30_000);
  });

  after(async () => {
    await gateway.close();
    await sup.stop(2000);
    await pool.destroy();
  });

  test('restarts with backoff, serves meanwhile, then /ready names the failed actor', async () => {
    const ready = await fetch(`${base}/ready`);
    assert.equal(ready.status, 200, await ready.text());

    const crasher = sup.start({
      name: 'crasher', module: testActorUrl('crashing'), options: { crashAfterMs: 50 },
      restart: { baseMs: 100, maxMs: 5000, maxRestarts: 3, windowMs: 60_000 },
    });
    const health: number[] = [];
    const echoes: Array<{ status: number; code?: string }> = [];
    const readyBodies: string[] = [];
    while (crasher.state !== 'failed') {
      const [h, e, r] = await Promise.all([fetch(`${base}/health`), fetch(`${base}/echo?text=ping`), fetch(`${base}/ready`)]);
      health.push(h.status);
      await h.text();
      const body = await e.json() as { text?: string; error?: { code: string } };
      echoes.push({ status: e.status, ...(body.error ? { code: body.error.code } : {}) });
      if (e.status === 200) assert.equal(body.text, 'ping');
      readyBodies.push(`${r.status} ${await r.text()}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (health.length > 5000) throw new Error('the crasher never failed');
    }

    // /health never wavered; the neighbour answered, or said busy while its thread was being replaced.
    assert.ok(health.length > 0 && health.every((s) => s === 200), `health: ${health.join(',')}`);
    assert.ok(echoes.some((e) => e.status === 200), 'the neighbour answered during the crash loop');
    assert.deepEqual(echoes.filter((e) => e.status !== 200 && !(e.status === 503 && e.code === 'busy')), []);

    // Backoff: three restarts, each scheduled longer than the one before (jitter keeps them within [50%, 100%]).
    const delays = states.of('crasher').filter((c) => c.state === 'restarting').map((c) => Number(/restart \d in (\d+) ms$/.exec(c.detail ?? '')?.[1]));
    assert.equal(delays.length, 3);
    assert.ok(delays.every((ms, i) => ms >= 50 * 2 ** i && ms <= 100 * 2 ** i), delays.join(','));

    await waitFor(() => echo.state === 'up', 'the neighbour to be up again');
    const res = await fetch(`${base}/ready`);
    const body = await res.json() as { status: string; not_ready: string[] };
    assert.equal(res.status, 503);
    assert.equal(body.status, 'not_ready');
    assert.equal(body.not_ready.length, 1, body.not_ready.join('\n'));
    assert.match(body.not_ready[0] ?? '', /^actor:crasher: failed \(gave up after 3 restarts in 60 s; last: it crashed: deliberate crash/);
    assert.ok(readyBodies.some((b) => /^503 .*actor:crasher: (down|starting)/.test(b)), 'not ready while it restarts either');

    assert.equal((await fetch(`${base}/health`)).status, 200);
    const again = await fetch(`${base}/echo?text=after`);
    assert.deepEqual([again.status, ((await again.json()) as { text: string }).text], [200, 'after']);

    const metrics = await (await fetch(`${base}/metrics`)).text();
    assert.match(metrics, /clanker_actor_restarts_total\{actor="crasher"\} 3\n/);
    assert.match(metrics, /clanker_actor_up\{actor="crasher"\} 0\n/);
    assert.match(metrics, /clanker_actor_up\{actor="echo"\} 1\n/);
    assert.match(metrics, /clanker_actor_mailbox_depth\{actor="echo"\} 0\n/);
  });
});
