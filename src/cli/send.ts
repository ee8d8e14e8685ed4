// `clanker send --channel C --to ID --message TEXT`: send a text out through a channel of a running gateway.
import { callApi, gatewayClient, type ClientFlags } from './client.js';
import { requiredFlag } from './output.js';

interface SendFlags extends ClientFlags { channel?: unknown; to?: unknown; message?: unknown }

export async function runSend(flags: SendFlags): Promise<void> {
  const body = {
    channel: requiredFlag('channel', flags.channel),
    to: requiredFlag('to', flags.to),
    text: requiredFlag('message', flags.message),
  };
  const sent = await callApi(gatewayClient(flags), 'POST', '/api/message', body) as { message_id?: string };
  process.stdout.write(`sent to ${body.channel} ${body.to} (message id ${sent.message_id ?? '?'})\n`);
}
