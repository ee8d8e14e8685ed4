// Worker side of bench/agent-hop.ts: answers a call the two ways the main thread can reach a worker.
import type { MessagePort } from 'node:worker_threads';

interface Call { id: number }

/** A task per call: one delta on the task's own port, then close it (as agent calls did until 2026-11-26), then the result. */
function perTask(port: MessagePort): { text: string } {
  port.postMessage({ type: 'delta', text: 'x' });
  port.close();
  return { text: 'echo' };
}

/** A long-lived actor: every call is a request on one port, answered with a delta and a reply on the same port. */
function actor(port: MessagePort): Promise<never> {
  port.on('message', (call: Call) => {
    port.postMessage({ id: call.id, type: 'delta', text: 'x' });
    port.postMessage({ id: call.id, result: { text: 'echo' } });
  });
  return new Promise<never>(() => undefined);
}

export default function task(input: { port: MessagePort; actor?: boolean }): unknown {
  return input.actor ? actor(input.port) : perTask(input.port);
}
