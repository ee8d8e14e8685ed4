// Baseline "floor" for ws-chat: the least a chat server that never loses a message does per turn, on one thread —
// raw uWebSockets.js, the user turn committed to LMDB (awaited), the answer streamed as one `chat.delta` event, then
// committed (awaited) and sent as the response: the gateway's frames. No actors, validation, history or metrics.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { open } from 'lmdb';
import { loadUws } from '../../src/gateway/uws.js';

const dataDir = process.argv[2];
if (!dataDir) {
  console.error('durable-echo: usage: durable-echo.js <data dir>');
  process.exit(2);
}
mkdirSync(dataDir, { recursive: true });
// The gateway's store settings: msgpack values, array keys, lmdb's default durable commits.
const root = open({ path: join(dataDir, 'floor.lmdb'), mapSize: 256 * 1024 * 1024, maxDbs: 2 });
const turns = root.openDB<{ role: 'user' | 'assistant'; text: string; ts: number }, [string, number]>({ name: 'messages', encoding: 'msgpack' });
const nextSeq = new Map<string, number>();

/**
 * Per connection (uWS user data): closed while a turn was being committed (uWS throws on a send to it), and the seq
 * of its last direct event, numbered as the gateway numbers them.
 */
interface Connection { closed?: true; eventSeq?: number }

interface ChatRequest { id: string; method: string; params?: { session?: unknown; text?: unknown } }

function parse(frame: string): ChatRequest | undefined {
  try {
    const value = JSON.parse(frame) as ChatRequest;
    return typeof value.id === 'string' && typeof value.method === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

const { uws } = loadUws();
const app = uws.App();
app.ws<Connection>('/ws', {
  maxPayloadLength: 1 << 20,
  idleTimeout: 120,
  sendPingsAutomatically: true,
  message: (ws, message) => {
    const req = parse(Buffer.from(message).toString());
    if (!req) return;
    const connection = ws.getUserData();
    const send = (frame: string): void => {
      if (!connection.closed) ws.send(frame);
    };
    const reply = (ok: boolean, body: string): void => send(`{"type":"res","id":${JSON.stringify(req.id)},"ok":${ok},${body}}`);
    const { session, text } = req.params ?? {};
    if (req.method === 'ping') return reply(true, '"result":{}');
    if (req.method !== 'chat' || typeof session !== 'string' || typeof text !== 'string') {
      return reply(false, '"error":{"code":"bad_params","message":"expected chat {session, text} or ping"}');
    }
    const seq = nextSeq.get(session) ?? 0;
    nextSeq.set(session, seq + 2);
    const answered = turns.put([session, seq], { role: 'user', text, ts: Date.now() }).then(() => {
      connection.eventSeq = (connection.eventSeq ?? 0) + 1;
      send(`{"type":"event","event":"chat.delta","topic":null,"seq":${connection.eventSeq},"data":${JSON.stringify({ session, text })}}`);
      return turns.put([session, seq + 1], { role: 'assistant', text, ts: Date.now() });
    });
    answered.then(
      () => reply(true, `"result":${JSON.stringify({ session, text, usage: { input: 0, output: 0 } })}`),
      (err: unknown) => reply(false, `"error":{"code":"internal","message":${JSON.stringify(String(err))}}`),
    );
  },
  close: (ws) => {
    ws.getUserData().closed = true;
  },
});

app.listen('127.0.0.1', 0, (socket) => {
  if (!socket) {
    console.error('durable-echo: cannot listen');
    process.exit(1);
  }
  console.log(JSON.stringify({ msg: 'listening', url: `http://127.0.0.1:${uws.us_socket_local_port(socket)}` }));
  process.once('SIGTERM', () => {
    uws.us_listen_socket_close(socket);
    app.close();
    void root.close().then(() => process.exit(0));
  });
});
