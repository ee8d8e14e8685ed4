// `clanker pairing approve CHANNEL CODE`: lets a stranger who got a pairing code talk to the assistant.
import { callApi, gatewayClient, type ClientFlags } from './client.js';

const CHANNELS = ['telegram', 'discord'];

export async function runPairing(action: string, channel: string | undefined, code: string | undefined, flags: ClientFlags): Promise<void> {
  if (action !== 'approve') throw new Error(`unknown pairing action "${action}" (expected: approve CHANNEL CODE)`);
  if (channel === undefined || !CHANNELS.includes(channel)) throw new Error(`CHANNEL must be one of ${CHANNELS.join(', ')}`);
  if (code === undefined || code === '') throw new Error('missing CODE: clanker pairing approve telegram ABCD2345');
  const res = await callApi(gatewayClient(flags), 'POST', '/api/pairing/approve', { channel, code }) as { user_id?: unknown; notified?: unknown };
  const told = res.notified === true ? ' (told them in their chat)' : ' (they could not be told: let them know yourself)';
  process.stdout.write(`approved: ${channel} user ${String(res.user_id)} may now talk to the assistant${told}\n`);
}
