// Baseline: a minimal pub/sub broker on the `ws` package over node:http, the way Node gateways such as OpenClaw fan out.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, WebSocket } from 'ws';
import { chatFrames, chatText, subscribeReply, subscribeRequest } from './event-frame.js';

const topics = new Map<string, Set<WebSocket>>();
let seq = 0;
const nextSeq = (): number => ++seq;

function publish(topic: string, frame: string): void {
  for (const client of topics.get(topic) ?? []) if (client.readyState === WebSocket.OPEN) client.send(frame);
}

const server = createServer((req, res) => {
  if (req.method !== 'POST' || req.url !== '/api/chat') {
    res.writeHead(404).end();
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const text = chatText(Buffer.concat(chunks).toString());
    if (text === undefined) {
      res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":{"code":"bad_params","message":"text"}}');
      return;
    }
    const { frames, reply } = chatFrames(text, nextSeq);
    for (const frame of frames) publish('messages', frame);
    res.writeHead(200, { 'content-type': 'application/json' }).end(reply);
  });
});

const wss = new WebSocketServer({ server, path: '/ws', maxPayload: 1 << 20 });
wss.on('connection', (ws) => {
  const mine = new Set<string>();
  ws.on('message', (data) => {
    const req = subscribeRequest(String(data));
    if (!req) return;
    for (const topic of req.topics) {
      mine.add(topic);
      const set = topics.get(topic) ?? new Set();
      set.add(ws);
      topics.set(topic, set);
    }
    ws.send(subscribeReply(req.id, req.topics));
  });
  ws.on('close', () => { for (const topic of mine) topics.get(topic)?.delete(ws); });
});

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  console.log(JSON.stringify({ msg: 'listening', url: `http://127.0.0.1:${port}` }));
});
process.once('SIGTERM', () => {
  for (const client of wss.clients) client.terminate();
  wss.close();
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
});
