// Request rate limits (429 + retry-after) and the failed-auth lockout, on HTTP and on the /ws upgrade.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startGateway, type RunningGateway } from '../helpers/cli.js';
import { assertApiError, call, type JsonResponse } from '../helpers/http.js';
import { TestWsClient } from '../helpers/ws-client.js';

const TOKEN = 'limits-test-token-5e01';

/**
 * Sends requests until one is 429, at most `max`. The limits count in fixed clock-minute windows, so a
 * window may roll over mid-test: 2 × limit + 1 requests always reach a 429 (one rollover at most).
 */
async function until429(send: () => Promise<JsonResponse>, max: number): Promise<{ res: JsonResponse; sent: number }> {
  for (let sent = 1; sent <= max; sent++) {
    const res = await send();
    if (res.status === 429) return { res, sent };
  }
  throw new Error(`no 429 after ${max} requests`);
}

function assertRetryAfter(res: JsonResponse): void {
  const retry = Number(res.headers.get('retry-after'));
  assert.ok(Number.isInteger(retry) && retry >= 1 && retry <= 60, `retry-after ${res.headers.get('retry-after')}`);
}

describe('rate limit: server.rate_limit_per_minute', () => {
  const LIMIT = 5;
  let gw: RunningGateway;
  before(async () => { gw = await startGateway({ configToml: `[server]\nauth_token = "${TOKEN}"\nrate_limit_per_minute = ${LIMIT}\n` }); });
  after(async () => { await gw?.stop(); });

  test('past the limit → 429 rate_limited with retry-after; /health is never limited', async () => {
    const { res, sent } = await until429(() => call(`${gw.url}/api/sessions`, 'GET', { token: TOKEN }), 2 * LIMIT + 1);
    assert.ok(sent > LIMIT, `429 after ${sent} requests, limit ${LIMIT}`);
    assertApiError(res, 429, 'rate_limited', /rate_limit_per_minute/);
    assertRetryAfter(res);
    for (let i = 0; i < 3; i++) assert.equal((await call(`${gw.url}/health`, 'GET')).status, 200);
  });
});

describe('failed-auth lockout', () => {
  let gw: RunningGateway;
  before(async () => { gw = await startGateway({ configToml: `[server]\nauth_token = "${TOKEN}"\nrate_limit_per_minute = 0\n` }); });
  after(async () => { await gw?.stop(); });

  test('after 10 wrong tokens an address is refused (429) even with the right token, on HTTP and /ws', async () => {
    assert.equal((await call(`${gw.url}/api/sessions`, 'GET', { token: TOKEN })).status, 200);
    const { res, sent } = await until429(() => call(`${gw.url}/api/sessions`, 'GET', { token: 'guess' }), 21);
    assert.ok(sent > 10, `locked out after ${sent} failures`);
    assertApiError(res, 429, 'rate_limited', /failed authentication/);
    assertRetryAfter(res);
    assertApiError(await call(`${gw.url}/api/sessions`, 'GET', { token: TOKEN }), 429, 'rate_limited');
    const upgrade = await TestWsClient.refusedUpgrade(gw.url, TOKEN);
    assert.equal(upgrade.status, 429);
    assert.equal((upgrade.body as { error: { code: string } }).error.code, 'rate_limited');
    assert.equal((await call(`${gw.url}/health`, 'GET')).status, 200, '/health stays open');
  });
});
