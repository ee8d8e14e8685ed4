// Input checks of the gateway: parseParams messages name the field; the router refuses malformed paths.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseParams } from '../../src/gateway/validate.js';
import { ChatParams, SendParams, TopicsParams } from '../../src/gateway/api-schemas.js';
import { HttpRouter } from '../../src/gateway/http/router.js';
import { AppError } from '../../src/errors.js';

test('parseParams: the first problem as `field: what was expected`', () => {
  const cases: Array<[Parameters<typeof parseParams>[0], unknown, string]> = [
    [ChatParams, {}, 'text: required'],
    [ChatParams, { text: 'x', nope: 1 }, 'nope: unknown field (expected only session, text)'],
    [SendParams, { channel: 'irc', to: '1', text: 'x' }, 'channel: expected one of telegram, discord'],
    [TopicsParams, { topics: ['messages', 7] }, 'topics.1: expected string'],
  ];
  for (const [schema, value, message] of cases) {
    assert.throws(() => parseParams(schema, value), (err: unknown) => err instanceof AppError && err.code === 'bad_params' && err.message === message);
  }
});

test('HttpRouter: params decoded; malformed percent-encoding is bad_request, not a crash', () => {
  const router = new HttpRouter().add({ method: 'GET', pattern: '/api/sessions/:id/messages', auth: true, handler: () => undefined });
  const match = router.match('GET', '/api/sessions/ws%3Aa/messages');
  assert.ok(match && match !== 'method_not_allowed');
  assert.deepEqual(match.params, { id: 'ws:a' });
  assert.equal(router.match('POST', '/api/sessions/x/messages'), 'method_not_allowed');
  assert.throws(() => router.match('GET', '/api/sessions/%E0%A4%A/messages'), (err: unknown) => err instanceof AppError && err.code === 'bad_request');
});
