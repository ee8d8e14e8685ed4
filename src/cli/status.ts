// `clanker status`: a readable summary of a running gateway's /api/status.
import { callApi, gatewayClient, type ClientFlags } from './client.js';

interface StatusFlags extends ClientFlags { json?: boolean }

function line(label: string, value: unknown): string {
  return `${label.padEnd(14)}${typeof value === 'object' ? JSON.stringify(value) : String(value)}\n`;
}

export async function runStatus(flags: StatusFlags): Promise<void> {
  const status = await callApi(gatewayClient(flags), 'GET', '/api/status') as Record<string, unknown>;
  if (flags.json) {
    process.stdout.write(JSON.stringify(status, null, 2) + '\n');
    return;
  }
  let out = '';
  for (const [key, value] of Object.entries(status)) {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      out += `${key}:\n`;
      for (const [k, v] of Object.entries(value)) out += '  ' + line(k, v);
    } else {
      out += line(key, value);
    }
  }
  process.stdout.write(out);
}
