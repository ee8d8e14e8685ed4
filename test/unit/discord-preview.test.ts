// The streamed-answer preview (throttled edits) and the typing indicator, with short intervals and recorded calls.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { Preview, type PreviewOps } from '../../src/channels/discord/preview.js';
import { TypingIndicator } from '../../src/channels/discord/typing.js';

async function until(cond: () => boolean, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(5);
  }
}

function recorder(failCreate = false): PreviewOps & { calls: { op: string; text: string; at: number }[] } {
  const calls: { op: string; text: string; at: number }[] = [];
  return {
    calls,
    async create(text) {
      calls.push({ op: 'create', text, at: Date.now() });
      if (failCreate) throw new Error('Missing Permissions');
      return 'm1';
    },
    async edit(id, text) {
      assert.equal(id, 'm1');
      calls.push({ op: 'edit', text, at: Date.now() });
    },
  };
}

describe('Preview', () => {
  test('creates at the first text, then coalesces updates into one edit per interval', async () => {
    const ops = recorder();
    const preview = new Preview(ops, 60, (err) => assert.fail(String(err)));
    preview.update('a');
    await until(() => preview.shownText === 'a');
    preview.update('ab');
    preview.update('abc');
    await until(() => preview.shownText === 'abc');
    assert.deepEqual(ops.calls.map((c) => [c.op, c.text]), [['create', 'a'], ['edit', 'abc']]);
    assert.ok((ops.calls[1]?.at ?? 0) - (ops.calls[0]?.at ?? 0) >= 50, 'the edit waited for the interval');
    assert.equal(await preview.finish(), 'm1');
  });

  test('finish stops pending writes and reports the message id', async () => {
    const ops = recorder();
    const preview = new Preview(ops, 10_000, (err) => assert.fail(String(err)));
    preview.update('first');
    await until(() => preview.shownText === 'first');
    preview.update('second');
    assert.equal(await preview.finish(), 'm1');
    preview.update('third');
    await sleep(20);
    assert.deepEqual(ops.calls.map((c) => c.text), ['first']);
  });

  test('finish before anything was written yields no id', async () => {
    const preview = new Preview(recorder(), 10, () => undefined);
    assert.equal(await preview.finish(), undefined);
  });

  test('a failed create gives the preview up', async () => {
    const ops = recorder(true);
    const errors: unknown[] = [];
    const preview = new Preview(ops, 10, (err) => errors.push(err));
    preview.update('a');
    await until(() => errors.length === 1);
    preview.update('ab');
    await sleep(30);
    assert.equal(ops.calls.length, 1);
    assert.equal(await preview.finish(), undefined);
  });
});

describe('TypingIndicator', () => {
  test('renews while answers are owed and stops when the last one is delivered', async () => {
    const pings: string[] = [];
    const typing = new TypingIndicator(async (id) => { pings.push(id); }, (err) => assert.fail(String(err)), { everyMs: 15, maxMs: 60_000 });
    try {
      typing.start('c1');
      typing.start('c1');
      assert.deepEqual(pings, ['c1']);
      await until(() => pings.length >= 3);
      typing.done('c1');
      assert.deepEqual(typing.active, ['c1']);
      typing.done('c1');
      assert.deepEqual(typing.active, []);
      const count = pings.length;
      await sleep(50);
      assert.equal(pings.length, count);
    } finally {
      typing.close();
    }
  });

  test('an answer that never comes stops counting after maxMs', async () => {
    const typing = new TypingIndicator(async () => undefined, () => undefined, { everyMs: 10, maxMs: 40 });
    try {
      typing.start('c2');
      await until(() => typing.active.length === 0);
    } finally {
      typing.close();
    }
  });

  test('a failing ping is reported, not thrown', async () => {
    const errors: unknown[] = [];
    const typing = new TypingIndicator(async () => { throw new Error('403'); }, (err) => errors.push(err), { everyMs: 1000, maxMs: 5000 });
    try {
      typing.start('c3');
      await until(() => errors.length === 1);
    } finally {
      typing.close();
    }
  });
});
