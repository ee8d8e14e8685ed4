// telegram-e2e: the Telegram fake injects updates, the echo agent answers; update → sendMessage latency and updates/s.
import { startChannelFakes, waitChannels, TELEGRAM_USERS } from './lib/channels.js';
import { spawnGateway, waitFor200 } from './lib/server.js';
import { Histogram, round, type HistogramData, type LatencySummary } from './lib/stats.js';
import type { IpcMessage } from './lib/procs.js';
import type { Cell, ScenarioReport } from './lib/results.js';
import type { RunOptions, Scenario } from './lib/scenario.js';

interface Phase { phase: string; perSec: number; injected: number; answered: number; latency: LatencySummary }

function phase(name: string, r: IpcMessage): Phase {
  return { phase: name, perSec: Number(r.perSec), injected: Number(r.injected), answered: Number(r.answered), latency: Histogram.from(r.hist as HistogramData).summary() };
}

export const telegramE2e: Scenario = {
  name: 'telegram-e2e',
  title: 'telegram-e2e: Telegram update → agent → sendMessage, against the Telegram fake',
  async run(opts: RunOptions): Promise<ScenarioReport> {
    const durationMs = opts.quick ? 2000 : 5000;
    const rate = 50;
    const fakes = await startChannelFakes(['telegram']);
    const phases: Phase[] = [];
    let pending: string | undefined;
    try {
      const gateway = await spawnGateway({ toml: fakes.toml, profileDir: opts.profileDir });
      try {
        await waitFor200(gateway.url, '/health', 10_000);
        const states = await waitChannels(gateway.url, ['telegram'], 20_000);
        if (states.telegram === undefined) {
          pending = 'the Telegram channel is not in this build yet (no "telegram" in /api/status channels); this scenario runs as soon as it lands on main.';
        } else if (states.telegram !== 'up') {
          throw new Error(`the Telegram channel is "${states.telegram}" against the fake`);
        } else {
          await waitFor200(gateway.url, '/ready', 30_000);
          const users = TELEGRAM_USERS;
          const greet = phase('first message per user (warm-up)', await fakes.proc.ask({ type: 'greet', users }, 'result', 60_000));
          if (greet.answered < users.length) throw new Error(`only ${greet.answered} of ${users.length} first messages were answered`);
          phases.push(phase(`paced ${rate} updates/s`, await fakes.proc.ask({ type: 'paced', users, rate, durationMs }, 'result', durationMs + 60_000)));
          phases.push(phase(`max: ${users.length} updates in flight`, await fakes.proc.ask({ type: 'closed', users, concurrency: users.length, durationMs }, 'result', durationMs + 60_000)));
          for (const p of phases) opts.log(`  ${p.phase}: ${Math.round(p.perSec)}/s, p50 ${p.latency.p50.toFixed(2)} ms, p99 ${p.latency.p99.toFixed(2)} ms`);
        }
      } finally {
        await gateway.stop();
      }
    } finally {
      await fakes.close();
    }
    return {
      tables: [{
        title: 'Update injected (fake Bot API queue) → first sendMessage/editMessageText carrying the answer, ms',
        columns: ['phase', 'answered/s', 'injected', 'answered', 'p50', 'p90', 'p99', 'p99.9', 'max'],
        rows: pending
          ? [['pending', null, null, null, null, null, null, null, null]]
          : phases.map((p): Cell[] => [p.phase, Math.round(p.perSec), p.injected, p.answered, round(p.latency.p50), round(p.latency.p90), round(p.latency.p99), round(p.latency.p999), round(p.latency.max)]),
      }],
      targets: [],
      notes: [
        `The fake runs in its own process; the gateway long-polls it with getUpdates as it would api.telegram.org. ${TELEGRAM_USERS.length} allowed users, per-user rate limit off, echo agent (zero model latency).`,
        'Latency is read when the fake records the bot\'s message, from the timestamp carried in the update text (same machine clock).',
        'The channel hands updates to the gateway one at a time, each acknowledged once stored (a durable commit) before the next: the storage floor in ws-chat bounds updates/s.',
      ],
      ...(pending ? { pending } : {}),
      data: { rate, durationMs, users: TELEGRAM_USERS.length, phases },
    };
  },
};
