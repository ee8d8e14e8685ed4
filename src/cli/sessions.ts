// `clanker sessions list|show ID|reset ID`: the conversations a running gateway keeps.
import { callApi, gatewayClient, type ClientFlags } from './client.js';
import { intFlag } from './output.js';

interface SessionsFlags extends ClientFlags { limit?: unknown; json?: boolean }

interface SessionRow { id: string; channel: string; turns: number; updated_at: number; usage: { input: number; output: number } }
interface MessageRow { seq: number; role: string; text: string; ts: number }

const time = (ms: number): string => new Date(ms).toISOString().replace('T', ' ').slice(0, 19);

function table(rows: SessionRow[]): string {
  if (rows.length === 0) return 'no sessions\n';
  const width = Math.max(7, ...rows.map((r) => r.id.length));
  const head = `${'SESSION'.padEnd(width)}  ${'CHANNEL'.padEnd(8)}  TURNS  ${'UPDATED (UTC)'.padEnd(19)}  TOKENS\n`;
  return head + rows.map((r) =>
    `${r.id.padEnd(width)}  ${r.channel.padEnd(8)}  ${String(r.turns).padStart(5)}  ${time(r.updated_at)}  ${r.usage.input + r.usage.output}\n`).join('');
}

function needId(action: string, id: string | undefined): string {
  if (id === undefined || id === '') throw new Error(`sessions ${action} needs a session id (clanker sessions ${action} ID)`);
  return id;
}

export async function runSessions(action: string, id: string | undefined, flags: SessionsFlags): Promise<void> {
  const client = gatewayClient(flags);
  const print = (value: unknown, text: () => string): void => {
    process.stdout.write(flags.json ? `${JSON.stringify(value, null, 2)}\n` : text());
  };
  switch (action) {
    case 'list': {
      const res = await callApi(client, 'GET', '/api/sessions') as { sessions: SessionRow[] };
      return print(res, () => table(res.sessions));
    }
    case 'show': {
      const limit = intFlag('limit', flags.limit);
      const path = `/api/sessions/${encodeURIComponent(needId(action, id))}/messages${limit === undefined ? '' : `?limit=${limit}`}`;
      const res = await callApi(client, 'GET', path) as { session: string; messages: MessageRow[] };
      return print(res, () => res.messages.length === 0
        ? `session ${res.session} has no messages\n`
        : res.messages.map((m) => `[${time(m.ts)}] ${m.role}: ${m.text}\n`).join(''));
    }
    case 'reset': {
      const res = await callApi(client, 'DELETE', `/api/sessions/${encodeURIComponent(needId(action, id))}`);
      return print(res, () => `session ${needId(action, id)} reset\n`);
    }
    default:
      throw new Error(`unknown sessions action "${action}" (expected list, show or reset)`);
  }
}
