// Mailbox over a real MessageChannel: request/response, timeouts, validation answered as errors, capacity, close.
import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { Type } from '../../src/vendor/typebox.js';
import { Mailbox, type MailboxOptions } from '../../src/actors/mailbox.js';
import { Empty, type ResponseEnvelope } from '../../src/actors/messages.js';
import { AppError, type ErrorCode } from '../../src/errors.js';

const Add = Type.Object({ a: Type.Number(), b: Type.Number() });
const Greet = Type.Object({ name: Type.String() });

/** Both ends of one channel as mailboxes, with what each reported as invalid or failed. */
function pair(a: Partial<MailboxOptions> = {}, b: Partial<MailboxOptions> = {}) {
  const { port1, port2 } = new MessageChannel();
  const invalid = { a: [] as string[], b: [] as string[] };
  const errors: Array<{ err: unknown; type: string }> = [];
  // A mailbox is named after whoever is at the other end: `left` talks to the actor, `right` to main.
  const left = new Mailbox(port1, { capacity: 16, name: 'actor', self: 'main', onInvalid: (p) => invalid.a.push(p), ...a });
  const right = new Mailbox(port2, {
    capacity: 16, name: 'main', self: 'actor', onInvalid: (p) => invalid.b.push(p), onError: (err, type) => errors.push({ err, type }), ...b,
  });
  opened.push(left, right);
  return { left, right, invalid, errors };
}

/** A bare port on one side (to post anything at all) and a mailbox on the other. */
function rawPair() {
  const { port1, port2 } = new MessageChannel();
  const invalid: string[] = [];
  const mailbox = new Mailbox(port2, { capacity: 4, name: 'main', onInvalid: (p) => invalid.push(p) });
  mailbox.handle('add', Add, (p) => p.a + p.b);
  opened.push(mailbox);
  rawPorts.push(port1);
  const replies: ResponseEnvelope[] = [];
  port1.on('message', (m: ResponseEnvelope) => replies.push(m));
  return { raw: port1, mailbox, invalid, replies };
}

const opened: Mailbox[] = [];
const rawPorts: MessagePort[] = [];
afterEach(() => {
  for (const m of opened.splice(0)) m.close();
  for (const p of rawPorts.splice(0)) p.close();
});

const isCode = (code: ErrorCode, message?: RegExp) => (e: unknown): boolean => {
  assert.ok(e instanceof AppError, `expected an AppError, got ${String(e)}`);
  assert.equal(e.code, code, e.message);
  if (message) assert.match(e.message, message);
  return true;
};

async function until(cond: () => boolean, what: string, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('Mailbox', () => {
  test('request/response: sync and async handlers answer; events arrive; depth returns to 0', async () => {
    const { left, right } = pair();
    right.handle('add', Add, (p) => p.a + p.b);
    right.handle('add.later', Add, async (p) => { await new Promise((r) => setTimeout(r, 5)); return p.a + p.b; });
    const seen: Array<{ text: string; session: string | undefined }> = [];
    right.on('note', Type.Object({ text: Type.String() }), (p, env) => seen.push({ text: p.text, session: env.session }));

    assert.equal(await left.request('add', { a: 1, b: 2 }), 3);
    const both = Promise.all([left.request('add.later', { a: 2, b: 2 }), left.request('add', { a: 5, b: 5 })]);
    assert.equal(left.depth, 2);
    assert.deepEqual(await both, [4, 10]);
    left.emit('note', { text: 'hi' }, 'ws:a');
    await until(() => seen.length === 1, 'the event');
    assert.deepEqual(seen, [{ text: 'hi', session: 'ws:a' }]);
    assert.equal(left.depth, 0);
    assert.equal(right.depth, 0);
  });

  test('a handler error reaches the caller: AppError keeps its code, anything else is `internal` and reported', async () => {
    const { left, right, errors } = pair();
    right.handle('refuse', Empty, () => { throw new AppError('forbidden', 'not you'); });
    right.handle('explode', Empty, async () => { throw new Error('secret internals'); });
    await assert.rejects(left.request('refuse', {}), isCode('forbidden', /not you/));
    await assert.rejects(left.request('explode', {}), isCode('internal', /^internal error$/));
    assert.equal(errors.length, 1);
    assert.equal(errors[0]?.type, 'explode');
  });

  test('an unanswered request times out naming the actor, the type and the time; a late answer is ignored', async () => {
    const { left, right } = pair();
    const late: Array<(v: unknown) => void> = [];
    right.handle('slow', Type.Object({ wait: Type.Boolean() }), (p) => p.wait ? new Promise((r) => late.push(r)) : 'prompt');
    await assert.rejects(left.request('slow', { wait: true }, { timeoutMs: 30 }), isCode('timeout', /actor did not answer slow within 30 ms/));
    assert.equal(left.depth, 0);
    const next = left.request('slow', { wait: false });
    for (const answer of late) answer('too late');
    assert.equal(await next, 'prompt');
  });

  test('a bad envelope is answered with bad_frame and reported, never thrown', async () => {
    const { raw, invalid, replies } = rawPair();
    raw.postMessage({ kind: 'req', id: 'r1', type: 'add', payload: { a: 1, b: 1 }, sentAt: 'yesterday' });
    raw.postMessage(42);
    raw.postMessage({ kind: 'res', id: 'nobody-asked', ok: 'yes', sentAt: 1 });
    raw.postMessage({ kind: 'req', id: 'r2', type: 'add', payload: { a: 1, b: 1 }, sentAt: 1 });
    await until(() => replies.length === 2 && invalid.length === 3, 'the replies');
    const [bad, good] = replies;
    assert.equal(bad?.id, 'r1');
    assert.equal(bad?.ok, false);
    assert.equal(bad?.error?.code, 'bad_frame');
    assert.match(bad?.error?.message ?? '', /\/sentAt: Expected number/);
    assert.deepEqual({ id: good?.id, ok: good?.ok, payload: good?.payload }, { id: 'r2', ok: true, payload: 2 });
    assert.deepEqual(invalid, [
      'bad envelope from main: /sentAt: Expected number',
      'bad envelope from main: /kind: Expected "req", "res" or "event"',
      'bad envelope from main: /ok: Expected boolean',
    ]);
  });

  test('a bad payload is refused as bad_params naming the field; an unknown type as unknown_method', async () => {
    const { left, right, invalid } = pair();
    let called = false;
    right.handle('greet', Greet, () => { called = true; return 'hi'; });
    await assert.rejects(left.request('greet', { name: 5 }), isCode('bad_params', /bad greet payload: \/name: Expected string/));
    assert.deepEqual(invalid.b, ['bad greet payload: /name: Expected string']);
    await assert.rejects(left.request('greet.v2', { name: 'x' }), isCode('unknown_method', /^actor does not handle greet\.v2$/));
    assert.equal(called, false);
  });

  test('an answer that does not match the request\'s reply schema is refused as internal, naming the field', async () => {
    const { left, right, invalid } = pair();
    const Sum = Type.Object({ sum: Type.Number() });
    right.handle('add', Add, (p) => ({ sum: p.a + p.b }));
    right.handle('add-wrong', Add, (p) => ({ sum: String(p.a + p.b) }));
    assert.deepEqual(await left.request('add', { a: 1, b: 2 }, { reply: Sum }), { sum: 3 });
    await assert.rejects(left.request('add-wrong', { a: 1, b: 2 }, { reply: Sum }), isCode('internal', /actor answered add-wrong with an invalid reply: \/sum: Expected number/));
    // A union names the field of the variant that came closest, not just "Expected union value".
    const Outcome = Type.Union([Type.Object({ ok: Type.Literal(true), sum: Type.Number() }), Type.Object({ ok: Type.Literal(false), why: Type.String() })]);
    right.handle('outcome-wrong', Add, (p) => ({ ok: true, sum: String(p.a + p.b) }));
    await assert.rejects(left.request('outcome-wrong', { a: 1, b: 2 }, { reply: Outcome }), isCode('internal', /invalid reply: \/sum: Expected number$/));
    assert.equal(invalid.a.length, 2);
    assert.equal(left.depth, 0);
  });

  test('a bad or unknown event is reported, and an event handler that throws is reported, not thrown', async () => {
    const { left, right, invalid, errors } = pair();
    right.on('tick', Type.Object({ n: Type.Integer() }), (p) => { if (p.n === 2) throw new Error('handler bug'); });
    right.on('tock', Empty, async () => { throw new Error('async handler bug'); });
    left.emit('tick', { n: 'one' });
    left.emit('tack', {});
    left.emit('tick', { n: 2 });
    left.emit('tock', {});
    right.handle('ping', Empty, () => 'pong');
    await until(() => invalid.b.length === 2 && errors.length === 2, 'the reports');
    assert.match(invalid.b[0] ?? '', /bad tick event from main: \/n: Expected integer/);
    assert.match(invalid.b[1] ?? '', /no handler for event tack/);
    assert.deepEqual(errors.map((e) => e.type), ['tick', 'tock']);
    assert.equal(await left.request('ping', {}), 'pong', 'the mailbox still works');
  });

  test('capacity: the sender refuses beyond its in-flight bound, the receiver answers busy beyond its own', async () => {
    const release: Array<() => void> = [];
    const slow = () => new Promise<string>((r) => release.push(() => r('done')));

    const s = pair({ capacity: 2 });
    s.right.handle('slow', Empty, slow);
    const sent = [s.left.request('slow', {}), s.left.request('slow', {})];
    await assert.rejects(s.left.request('slow', {}), isCode('busy', /actor is busy \(2 requests waiting\)/));

    const r = pair({}, { capacity: 2 });
    r.right.handle('slow', Empty, slow);
    const received = [r.left.request('slow', {}), r.left.request('slow', {})];
    await assert.rejects(r.left.request('slow', {}), isCode('busy', /^actor is busy$/));

    await until(() => release.length === 4, 'the handlers to start');
    for (const go of release) go();
    assert.deepEqual(await Promise.all([...sent, ...received]), ['done', 'done', 'done', 'done']);
    s.right.handle('fast', Empty, () => 'ok');
    r.right.handle('fast', Empty, () => 'ok');
    assert.deepEqual([await s.left.request('fast', {}), await r.left.request('fast', {})], ['ok', 'ok'], 'room again once answered');
  });

  test('close rejects every pending request; the other side notices and refuses at once', async () => {
    const { left, right } = pair();
    right.handle('slow', Empty, () => new Promise(() => undefined));
    left.handle('slow', Empty, () => new Promise(() => undefined));
    const mine = left.request('slow', {}, { timeoutMs: 5000 });
    const theirs = right.request('slow', {}, { timeoutMs: 5000 });
    await new Promise((r) => setTimeout(r, 10));
    left.close();
    await assert.rejects(mine, isCode('busy', /actor: mailbox closed/));
    await assert.rejects(theirs, isCode('busy', /main: port closed/));
    await assert.rejects(left.request('slow', {}), isCode('busy', /actor is not running/));
    const started = Date.now();
    await assert.rejects(right.request('slow', {}, { timeoutMs: 5000 }), isCode('busy'));
    assert.ok(Date.now() - started < 1000, 'refused at once, not after the timeout');
  });
});
