// The ws-chat floor (bench/baselines/durable-echo.ts) must do the gateway's wire work and acknowledge only stored turns,
// or the bench's gateway ÷ baseline ratios compare different things.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { open } from 'lmdb';
import { spawnDurableEcho, spawnGateway, waitFor200, type ServerProcess } from '../../bench/lib/server.js';
import { TestWsClient, type Frame } from '../helpers/ws-client.js';

/** The frames one chat turn produces, without what differs by design: usage figures (echo estimates tokens). */
async function chatFrames(url: string, session: string, text: string): Promise<Frame[]> {
  const client = await TestWsClient.connect(url);
  try {
    await client.request('chat', { session, text });
    return client.frames.map((f) => {
      if (f.type !== 'res') return f;
      const result = f.result as { usage?: unknown };
      return { ...f, id: 'ignored', result: { ...result, usage: typeof result.usage } };
    });
  } finally {
    client.ws.close();
  }
}

describe('durable-echo baseline', () => {
  let floor: ServerProcess & { dataDir: string };
  let gateway: ServerProcess;

  before(async () => {
    [floor, gateway] = await Promise.all([spawnDurableEcho('tmpfs'), spawnGateway({ tmpfs: true })]);
    await waitFor200(gateway.url, '/ready', 30_000);
  });
  after(async () => {
    await Promise.all([floor.stop(), gateway.stop()]);
  });

  test('answers a one-word chat turn with the same frames as the gateway: one chat.delta event, then the result', async () => {
    // One word, as the bench's probe texts: the echo provider streams a longer text in up to four deltas.
    const [ours, theirs] = await Promise.all([chatFrames(gateway.url, 'ws:frames', 'hello-floor'), chatFrames(floor.url, 'ws:frames', 'hello-floor')]);
    assert.deepEqual(theirs, ours);
    assert.deepEqual(theirs.map((f) => f.event ?? f.type), ['chat.delta', 'res']);
  });

  test('has both turns on disk by the time it answers', async () => {
    const client = await TestWsClient.connect(floor.url);
    try {
      for (const text of ['first', 'second']) assert.equal((await client.request('chat', { session: 'ws:disk', text })).ok, true);
    } finally {
      client.ws.close();
    }
    const root = open({ path: join(floor.dataDir, 'floor.lmdb'), readOnly: true, maxDbs: 2 });
    try {
      const turns = root.openDB<{ role: string; text: string }, [string, number]>({ name: 'messages', encoding: 'msgpack' });
      const stored = [...turns.getRange({ start: ['ws:disk', 0], end: ['ws:disk', 100] })].map(({ key, value }) => [key[1], value.role, value.text]);
      assert.deepEqual(stored, [[0, 'user', 'first'], [1, 'assistant', 'first'], [2, 'user', 'second'], [3, 'assistant', 'second']]);
    } finally {
      await root.close();
    }
  });

  test('refuses a chat without text, saying what it expected', async () => {
    const client = await TestWsClient.connect(floor.url);
    try {
      const res = await client.request('chat', { session: 'ws:bad' });
      assert.equal(res.ok, false);
      assert.match(res.error?.message ?? '', /expected chat \{session, text\}/);
    } finally {
      client.ws.close();
    }
  });
});
