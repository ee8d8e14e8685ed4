// The ws-chat floor (bench/baselines/durable-echo.ts) must send the gateway's frames and store both turns of a chat,
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
  let floorProcess: (ServerProcess & { dataDir: string }) | undefined;
  let gatewayProcess: ServerProcess | undefined;
  const started = (): { floor: ServerProcess & { dataDir: string }; gateway: ServerProcess } => {
    if (!floorProcess || !gatewayProcess) throw new Error('the baseline or the gateway did not start');
    return { floor: floorProcess, gateway: gatewayProcess };
  };

  before(async () => {
    floorProcess = await spawnDurableEcho('tmpfs');
    gatewayProcess = await spawnGateway({ tmpfs: true });
    await waitFor200(gatewayProcess.url, '/ready', 30_000);
  });
  after(async () => {
    await floorProcess?.stop();
    await gatewayProcess?.stop();
  });

  test('answers a one-word chat turn with the same frames as the gateway: one chat.delta event, then the result', async () => {
    // One word, as the bench's probe texts: the echo provider streams a longer text in up to four deltas.
    const { floor, gateway } = started();
    const [ours, theirs] = await Promise.all([chatFrames(gateway.url, 'ws:frames', 'hello-floor'), chatFrames(floor.url, 'ws:frames', 'hello-floor')]);
    assert.deepEqual(theirs, ours);
    assert.deepEqual(theirs.map((f) => f.event ?? f.type), ['chat.delta', 'res']);
  });

  test('stores both turns of each chat, with their seqs and roles', async () => {
    const { floor } = started();
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
    const { floor } = started();
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
