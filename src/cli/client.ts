// Talking to a running gateway from the CLI: base URL and token from flags or env, with clear errors.
import { stringFlag } from './output.js';
export interface ClientFlags { url?: string; token?: string }

export interface GatewayClient { url: string; token: string | undefined }

export function gatewayClient(flags: ClientFlags, env: NodeJS.ProcessEnv = process.env): GatewayClient {
  const url = (flags.url ?? env.CLANKER_URL ?? `http://127.0.0.1:${env.CLANKER_SERVER_PORT ?? 18789}`).replace(/\/+$/, '');
  // A numeric-looking token must stay a string (leading zeros): see stringFlag.
  return { url, token: stringFlag('token', flags.token) ?? env.CLANKER_TOKEN ?? env.CLANKER_SERVER_AUTH_TOKEN };
}

/** Calls the HTTP API and returns the parsed JSON, or throws a one-line error. */
export async function callApi(client: GatewayClient, method: string, path: string, body?: unknown): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(client.url + path, {
      method,
      headers: {
        ...(client.token ? { authorization: `Bearer ${client.token}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (err) {
    const inner = (err as { cause?: { code?: string; message?: string } }).cause;
    const cause = inner?.code ?? inner?.message ?? (err as Error).name;
    throw new Error(`gateway not reachable at ${client.url} (${cause}); is \`clanker serve\` running?`);
  }
  const text = await res.text();
  let data: unknown;
  try {
    data = text === '' ? {} : JSON.parse(text);
  } catch {
    throw new Error(`gateway at ${client.url} answered ${res.status} with non-JSON text`);
  }
  if (!res.ok) {
    const error = (data as { error?: { code?: string; message?: string } }).error;
    throw new Error(`gateway refused (${res.status} ${error?.code ?? ''}): ${error?.message ?? text}`);
  }
  return data;
}
