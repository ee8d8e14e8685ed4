// Table-driven tests of classifyError over real error objects of both SDKs, aborts and socket errors.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { classifyError, ProviderError, retryAfterMs, type FailureOutcome } from '../../src/agent/provider.js';
import { anthropicContextTooLong, anthropicErrorBody, anthropicOverloaded, anthropicRateLimited } from '../fakes/anthropic.js';
import { openaiContextTooLong, openaiErrorBody, openaiRateLimited } from '../fakes/openai.js';
import type { ModelFailure } from '../fakes/model-fake-core.js';

const anthropicError = (f: ModelFailure, headers: Record<string, string> = {}): unknown =>
  Anthropic.APIError.generate(f.status, f.body as object, undefined, new Headers({ 'request-id': 'req_a', ...f.headers, ...headers }));
const openaiError = (f: ModelFailure, headers: Record<string, string> = {}): unknown =>
  OpenAI.APIError.generate(f.status, f.body as object, undefined, new Headers({ 'x-request-id': 'req_o', ...f.headers, ...headers }));

function abortError(): unknown {
  const c = new AbortController();
  c.abort();
  try {
    c.signal.throwIfAborted();
  } catch (err) {
    return err;
  }
  return undefined;
}

const cases: [name: string, err: unknown, outcome: FailureOutcome, extra?: { status?: number; retryAfterMs?: number; requestId?: string }][] = [
  ['anthropic 429 with retry-after', anthropicError(anthropicRateLimited(2)), 'rate_limited', { status: 429, retryAfterMs: 2000, requestId: 'req_a' }],
  ['anthropic 529 overloaded', anthropicError(anthropicOverloaded()), 'overloaded', { status: 529 }],
  ['anthropic mid-stream overloaded event', new Anthropic.APIError(undefined, anthropicErrorBody('overloaded_error', 'Overloaded') as object, undefined, new Headers(), 'overloaded_error'), 'overloaded'],
  ['anthropic prompt too long', anthropicError(anthropicContextTooLong()), 'context_too_long', { status: 400 }],
  ['anthropic 413 request too large', anthropicError({ status: 413, body: anthropicErrorBody('request_too_large', 'too large') }), 'context_too_long'],
  ['anthropic 401', anthropicError({ status: 401, body: anthropicErrorBody('authentication_error', 'invalid x-api-key') }), 'auth', { status: 401 }],
  ['anthropic 403', anthropicError({ status: 403, body: anthropicErrorBody('permission_error', 'no') }), 'auth'],
  ['anthropic 500', anthropicError({ status: 500, body: anthropicErrorBody('api_error', 'boom') }), 'server', { status: 500, requestId: 'req_a' }],
  ['anthropic 404 model', anthropicError({ status: 404, body: anthropicErrorBody('not_found_error', 'model: nope') }), 'bad_request'],
  ['anthropic 400 invalid', anthropicError({ status: 400, body: anthropicErrorBody('invalid_request_error', 'messages: roles must alternate') }), 'bad_request'],
  ['anthropic connection timeout', new Anthropic.APIConnectionTimeoutError(), 'timeout'],
  ['anthropic connection error', new Anthropic.APIConnectionError({ message: 'Connection error.' }), 'network'],
  ['anthropic user abort', new Anthropic.APIUserAbortError(), 'timeout'],
  ['openai 429 with retry-after-ms', openaiError(openaiRateLimited(3), { 'retry-after-ms': '1500' }), 'rate_limited', { retryAfterMs: 1500, requestId: 'req_o' }],
  ['openai 429 insufficient_quota', openaiError({ status: 429, body: openaiErrorBody('quota', 'insufficient_quota', 'insufficient_quota') }), 'auth', { status: 429 }],
  ['openai context_length_exceeded', openaiError(openaiContextTooLong()), 'context_too_long'],
  ['openai 503 engine overloaded', openaiError({ status: 503, body: openaiErrorBody('overloaded', 'server_error', null) }), 'overloaded'],
  ['openai 502', openaiError({ status: 502, body: openaiErrorBody('bad gateway', 'server_error', null) }), 'server'],
  ['openai 408', openaiError({ status: 408, body: openaiErrorBody('timeout', 'server_error', null) }), 'timeout'],
  ['openai 401', openaiError({ status: 401, body: openaiErrorBody('bad key', 'invalid_request_error', 'invalid_api_key') }), 'auth'],
  ['openai 422', openaiError({ status: 422, body: openaiErrorBody('bad', 'invalid_request_error', null) }), 'bad_request'],
  ['openai mid-stream server error', new OpenAI.APIError(undefined, { message: 'oops', type: 'server_error' }, undefined, new Headers()), 'server'],
  ['openai connection timeout', new OpenAI.APIConnectionTimeoutError(), 'timeout'],
  ['openai connection error', new OpenAI.APIConnectionError({ message: 'Connection error.' }), 'network'],
  ['openai user abort', new OpenAI.APIUserAbortError(), 'timeout'],
  ['DOM AbortError', abortError(), 'timeout'],
  ['socket reset', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), 'network'],
  ['body terminated', new TypeError('terminated'), 'network'],
  ['a thrown string', 'weird', 'network'],
];

describe('classifyError', () => {
  for (const [name, err, outcome, extra] of cases) {
    test(`${name} → ${outcome}`, () => {
      const e = classifyError(err);
      assert.ok(e instanceof ProviderError);
      assert.equal(e.outcome, outcome);
      if (extra?.status !== undefined) assert.equal(e.status, extra.status);
      if (extra?.retryAfterMs !== undefined) assert.equal(e.retryAfterMs, extra.retryAfterMs);
      if (extra?.requestId !== undefined) assert.equal(e.requestId, extra.requestId);
    });
  }

  test('a ProviderError passes through; withRequestId fills only a missing id', () => {
    const e = new ProviderError('server', 'x', 500);
    assert.equal(classifyError(e), e);
    assert.equal(e.withRequestId('r1').requestId, 'r1');
    assert.equal(e.withRequestId('r1').withRequestId('r2').requestId, 'r1');
    assert.equal(e.withRequestId(undefined), e);
  });
});

describe('retryAfterMs', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  const table: [Record<string, string>, number | undefined][] = [
    [{}, undefined],
    [{ 'retry-after': '1' }, 1000],
    [{ 'retry-after': '0.5' }, 500],
    [{ 'retry-after-ms': '250', 'retry-after': '9' }, 250],
    [{ 'retry-after': 'Thu, 01 Jan 2026 00:00:05 GMT' }, 5000],
    [{ 'retry-after': 'Wed, 31 Dec 2025 23:59:00 GMT' }, 0],
    [{ 'retry-after': 'soon' }, undefined],
  ];
  for (const [headers, expected] of table) {
    test(`${JSON.stringify(headers)} → ${expected}`, () => assert.equal(retryAfterMs(new Headers(headers), now), expected));
  }
});
