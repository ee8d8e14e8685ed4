// Baseline "ceiling": a raw uWebSockets.js server doing only the fan-out, fed by POST /api/chat like the gateway.
import { loadUws } from '../../src/gateway/uws.js';
import { chatFrames, chatText, subscribeReply, subscribeRequest } from './event-frame.js';

const { uws } = loadUws();
const app = uws.App();
let seq = 0;
const nextSeq = (): number => ++seq;

app.ws('/ws', {
  maxPayloadLength: 1 << 20,
  maxBackpressure: 1 << 20,
  closeOnBackpressureLimit: false,
  idleTimeout: 120,
  sendPingsAutomatically: true,
  message: (ws, message) => {
    const req = subscribeRequest(Buffer.from(message).toString());
    if (!req) return;
    for (const topic of req.topics) ws.subscribe(topic);
    ws.send(subscribeReply(req.id, req.topics));
  },
});

app.post('/api/chat', (res) => {
  const chunks: Buffer[] = [];
  let aborted = false;
  res.onAborted(() => { aborted = true; });
  res.onData((chunk, isLast) => {
    chunks.push(Buffer.from(chunk.slice(0)));
    if (!isLast || aborted) return;
    const text = chatText(Buffer.concat(chunks).toString());
    if (text === undefined) {
      res.cork(() => res.writeStatus('400 Bad Request').end('{"error":{"code":"bad_params","message":"text"}}'));
      return;
    }
    const { frames, reply } = chatFrames(text, nextSeq);
    for (const frame of frames) app.publish('messages', frame);
    res.cork(() => res.writeHeader('content-type', 'application/json').end(reply));
  });
});

app.listen('127.0.0.1', 0, (socket) => {
  if (!socket) {
    console.error('raw-uws: cannot listen');
    process.exit(1);
  }
  const port = uws.us_socket_local_port(socket);
  console.log(JSON.stringify({ msg: 'listening', url: `http://127.0.0.1:${port}` }));
  process.once('SIGTERM', () => {
    uws.us_listen_socket_close(socket);
    app.close();
    process.exit(0);
  });
});
