// HTTP helpers for e2e tests: one JSON request with a bearer token, and the gateway's error-shape assertion.
import assert from 'node:assert/strict';

export interface JsonResponse { status: number; headers: Headers; body: unknown }

/** One request; `body` is sent as JSON unless it is already a string. */
export async function call(url: string, method: string, opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<JsonResponse> {
  const res = await fetch(url, {
    method,
    headers: {
      ...(opts.token === undefined ? {} : { authorization: `Bearer ${opts.token}` }),
      ...(opts.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...opts.headers,
    },
    body: opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text === '' ? undefined : JSON.parse(text) as unknown };
}

/** Asserts `{"error":{"code","message"}}` with the status; returns the message. */
export function assertApiError(res: JsonResponse, status: number, code: string, pattern?: RegExp): string {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.match(res.headers.get('content-type') ?? '', /application\/json/);
  const error = (res.body as { error?: { code?: string; message?: string } }).error;
  assert.equal(error?.code, code);
  assert.equal(typeof error?.message, 'string');
  if (pattern) assert.match(error?.message ?? '', pattern);
  return error?.message ?? '';
}
