// The Discord REST client's request function (Node's fetch): answers come back, failed connections name their cause.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { restRequest } from '../../src/channels/discord/connection.js';

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

test('a request goes out with its method, headers and body, and the answer comes back', async () => {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => { body += chunk.toString(); });
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ method: req.method, auth: req.headers.authorization, body }));
    });
  });
  const base = await listen(server);
  try {
    const res = await restRequest(`${base}/channels/1/messages`, { method: 'POST', headers: { authorization: 'Bot x' }, body: '{"content":"hi"}' });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { method: 'POST', auth: 'Bot x', body: '{"content":"hi"}' });
  } finally {
    server.close();
  }
});

test('a refused connection rejects with the socket error, not a bare "fetch failed"', async () => {
  const server = createServer();
  const base = await listen(server);
  await new Promise((resolve) => server.close(resolve));
  await assert.rejects(restRequest(`${base}/gateway/bot`, {}), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'ECONNREFUSED');
    return true;
  });
});
