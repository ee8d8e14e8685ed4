// `clanker chat [--session ID]`: a terminal chat over /ws that prints the answer as it streams; reads stdin lines until EOF.
import { createInterface } from 'node:readline';
import { gatewayClient, type ClientFlags } from './client.js';
import { stringFlag } from './output.js';
import { GatewaySocket } from './ws-client.js';

interface ChatFlags extends ClientFlags { session?: unknown }

interface ChatReply { session: string; text: string }

export async function runChat(flags: ChatFlags): Promise<void> {
  const client = gatewayClient(flags);
  let session = stringFlag('session', flags.session);
  const socket = await GatewaySocket.open(client);
  const interactive = process.stdin.isTTY === true;
  const out = (text: string): void => { process.stdout.write(text); };
  let streamed = false;
  socket.onEvent((e) => {
    if (e.event !== 'chat.delta' || e.topic !== null) return;
    const d = e.data as { text: string; reset?: boolean };
    // A retry restarts the answer: start it on a fresh line rather than run the two together.
    if (d.reset === true && streamed) out('\n');
    out(d.text);
    streamed = true;
  });

  const rl = createInterface({ input: process.stdin, terminal: interactive });
  const prompt = (): void => { if (interactive) rl.prompt(); };
  if (interactive) process.stderr.write(`connected to ${client.url}${session ? ` (session ${session})` : ''}; Ctrl-D to quit\n`);
  rl.setPrompt('> ');
  prompt();
  let failed = false;
  try {
    for await (const line of rl) {
      const text = line.trim();
      if (text === '') { prompt(); continue; }
      streamed = false;
      try {
        const reply = await socket.request('chat', { text, ...(session === undefined ? {} : { session }) }) as ChatReply;
        session = reply.session;
        if (!streamed) out(reply.text);
        out('\n');
      } catch (err) {
        if (streamed) out('\n');
        // A closed connection ends the chat; a refused turn (bad params, busy) does not.
        if (socket.closed) throw err;
        process.stderr.write(`error: ${(err as Error).message}\n`);
        failed = true;
      }
      prompt();
    }
  } finally {
    rl.close();
    await socket.close();
  }
  if (interactive && session) process.stderr.write(`session ${session}\n`);
  if (failed) process.exitCode = 1;
}
