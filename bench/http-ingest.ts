// http-ingest: POST /api/chat and POST /api/message under autocannon: requests/s and latency percentiles.
import { runAutocannon, type AutocannonResult } from './lib/autocannon.js';
import { startChannelFakes, waitChannels, TELEGRAM_USERS, type ChannelFakes } from './lib/channels.js';
import { spawnGateway, waitFor200 } from './lib/server.js';
import { round } from './lib/stats.js';
import type { Cell, ScenarioReport } from './lib/results.js';
import type { RunOptions, Scenario } from './lib/scenario.js';

const CONNECTIONS = 32;

interface Row { route: string; body: string; result: AutocannonResult }

export const httpIngest: Scenario = {
  name: 'http-ingest',
  title: 'http-ingest: POST /api/chat and POST /api/message with autocannon',
  async run(opts: RunOptions): Promise<ScenarioReport> {
    const durationS = opts.quick ? 2 : 5;
    const fakes: ChannelFakes = await startChannelFakes(['telegram']);
    const rows: Row[] = [];
    let pending: string | undefined;
    try {
      const gateway = await spawnGateway({ toml: fakes.toml, profileDir: opts.profileDir });
      try {
        await waitFor200(gateway.url, '/health', 10_000);
        const states = await waitChannels(gateway.url, ['telegram'], 20_000);
        await waitFor200(gateway.url, '/ready', 30_000).catch(() => undefined);
        const chat = { url: `${gateway.url}/api/chat`, body: JSON.stringify({ text: 'hello from autocannon' }), connections: CONNECTIONS };
        await runAutocannon({ ...chat, durationS: 1 });
        rows.push({ route: 'POST /api/chat', body: chat.body, result: await runAutocannon({ ...chat, durationS }) });
        opts.log(`  /api/chat: ${Math.round(rows[0]?.result.reqPerSec ?? 0)} req/s`);
        if (states.telegram !== 'up') {
          pending = states.telegram === undefined
            ? 'POST /api/message needs an enabled channel and the Telegram channel is not in this build yet (no "telegram" in /api/status channels); it runs once the channel lands.'
            : `POST /api/message needs the Telegram channel, which is "${states.telegram}" against the fake.`;
        } else {
          const greet = await fakes.proc.ask({ type: 'greet', users: TELEGRAM_USERS }, 'result', 30_000);
          if (Number(greet.unanswered) > 0) throw new Error(`the Telegram channel did not answer ${String(greet.unanswered)} of ${TELEGRAM_USERS.length} first messages`);
          const message = { url: `${gateway.url}/api/message`, body: JSON.stringify({ channel: 'telegram', to: String(TELEGRAM_USERS[0]), text: 'hello from autocannon' }), connections: CONNECTIONS };
          await runAutocannon({ ...message, durationS: 1 });
          rows.push({ route: 'POST /api/message (telegram)', body: message.body, result: await runAutocannon({ ...message, durationS }) });
          opts.log(`  /api/message: ${Math.round(rows[1]?.result.reqPerSec ?? 0)} req/s`);
        }
      } finally {
        await gateway.stop();
      }
    } finally {
      await fakes.close();
    }
    return {
      tables: [{
        title: `autocannon, ${CONNECTIONS} connections, ${durationS} s per route (after a 1 s warm-up); latency in ms`,
        columns: ['route', 'req/s', 'p50', 'p90', 'p99', 'max', 'non-2xx', 'errors'],
        rows: [
          ...rows.map((r): Cell[] => [r.route, Math.round(r.result.reqPerSec), round(r.result.latency.p50), round(r.result.latency.p90), round(r.result.latency.p99), round(r.result.latency.max), r.result.non2xx, r.result.errors + r.result.timeouts]),
          ...(pending ? [['POST /api/message (telegram)', 'pending', null, null, null, null, null, null] as Cell[]] : []),
        ],
      }],
      targets: [],
      notes: [
        'POST /api/chat runs a whole turn with the echo agent (a new session per request) and answers with the reply; POST /api/message sends through the Telegram channel to its fake (one chat), answered once the fake acknowledged sendMessage.',
        'autocannon reports latency with 1 ms resolution.',
      ],
      ...(pending ? { pending } : {}),
      data: { connections: CONNECTIONS, durationS, rows },
    };
  },
};
