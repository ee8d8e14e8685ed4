// Mapping OpenAI chat requests onto gateway turns, and the prior-turn store ops (tables).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mapRequest, contentText, type CompletionRequest } from '../../src/gateway/openai-compat.js';
import { priorTurnOps } from '../../src/gateway/api.js';
import { AppError } from '../../src/errors.js';

const req = (messages: CompletionRequest['messages'], extra: Partial<CompletionRequest> = {}): CompletionRequest => ({ model: 'm', messages, ...extra });

test('mapRequest: the last user message is the turn; earlier user/assistant messages are prior turns', () => {
  const cases: Array<[CompletionRequest, ReturnType<typeof mapRequest>]> = [
    [req([{ role: 'user', content: 'hi' }]), { session: undefined, text: 'hi', prior: [] }],
    [req([{ role: 'user', content: 'hi' }], { user: 'bob' }), { session: 'openai:bob', text: 'hi', prior: [] }],
    [
      req([
        { role: 'system', content: 'sys' }, { role: 'user', content: 'a' }, { role: 'assistant', content: 'b' },
        { role: 'tool', content: 'tool out' }, { role: 'assistant', content: null }, { role: 'developer', content: 'dev' },
        { role: 'user', content: [{ type: 'text', text: 'c' }, { type: 'text', text: 'd' }] }, { role: 'system', content: 'late system' },
      ]),
      { session: undefined, text: 'cd', prior: [{ role: 'user', text: 'a' }, { role: 'assistant', text: 'b' }] },
    ],
  ];
  for (const [input, expected] of cases) assert.deepEqual(mapRequest(input), expected);
});

test('mapRequest: refusals name the field', () => {
  const cases: Array<[CompletionRequest, RegExp]> = [
    [req([{ role: 'system', content: 's' }]), /^messages: needs a message with role "user"$/],
    [req([{ role: 'user', content: 'q' }, { role: 'assistant', content: 'a' }]), /^messages\.1: the conversation must end with a user message/],
    [req([{ role: 'user', content: '' }]), /^messages\.0\.content: must not be empty$/],
    [req([{ role: 'user', content: 'x'.repeat(100_001) }]), /^messages\.0\.content: longer than 100000 characters$/],
    [req([{ role: 'user', content: { text: 'x' } }]), /^messages\.0\.content: expected a string or an array of text parts$/],
    [req([{ role: 'user', content: [{ type: 'image_url' }] }]), /^messages\.0\.content\.0: only/],
    [req([{ role: 'user', content: [1] }, { role: 'user', content: 'ok' }]), /^messages\.0\.content\.0: only/],
  ];
  for (const [input, pattern] of cases) {
    assert.throws(() => mapRequest(input), (err: unknown) => err instanceof AppError && err.code === 'bad_params' && pattern.test(err.message));
  }
});

test('contentText: strings, text parts, null', () => {
  assert.equal(contentText('a', 'f'), 'a');
  assert.equal(contentText(null, 'f'), '');
  assert.equal(contentText(undefined, 'f'), '');
  assert.equal(contentText([{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }], 'f'), 'ab');
});

test('priorTurnOps: users marked delivered, each answer names the user turn before it (seqs from 0)', () => {
  const ops = priorTurnOps('openai:s', 'openai', [
    { role: 'user', text: 'u0' }, { role: 'assistant', text: 'a1' }, { role: 'user', text: 'u2' }, { role: 'assistant', text: 'a3' }, { role: 'assistant', text: 'a4' },
  ], 1000);
  assert.deepEqual(ops.map((op) => (op.op === 'user' ? `user:${op.message.text}:${op.message.externalId}` : op.op === 'answer' ? `answer:${op.text}:${op.replyTo}` : `${op.op}:${'seq' in op ? op.seq : ''}`)), [
    'user:u0:openai:s#prior0', 'delivered:0', 'answer:a1:0', 'user:u2:openai:s#prior2', 'delivered:2', 'answer:a3:2', 'answer:a4:2',
  ]);
});
