// Fan-out of gateway events to WebSocket subscribers over uWS native pub/sub, with a sequence number per topic.
import type { TemplatedApp, WebSocket } from '../uws.js';
import type { EventSink, MessageEvent } from '../../actors/router.js';
import type { ConnectionData } from './connection.js';

/** The topics a message event goes to: everything, its channel, and its session. */
export function topicsFor(event: MessageEvent): string[] {
  const topics = ['messages', `session:${event.session}`];
  if (event.channel === 'telegram' || event.channel === 'discord') topics.push(event.channel);
  return topics;
}

export class EventHub implements EventSink {
  private readonly seqs = new Map<string, number>();
  private readonly sockets = new Set<WebSocket<ConnectionData>>();
  private sweepTimer: NodeJS.Timeout | undefined;
  slowClosed = 0;
  published = 0;

  constructor(private readonly app: TemplatedApp, readonly maxBufferBytes: number) {}

  add(ws: WebSocket<ConnectionData>): void {
    this.sockets.add(ws);
  }

  remove(ws: WebSocket<ConnectionData>): void {
    this.sockets.delete(ws);
  }

  get connections(): number {
    return this.sockets.size;
  }

  /** Publishes one event to one topic; the frame names the topic and carries that topic's next seq. */
  publish(topic: string, event: string, data: unknown): void {
    // numSubscribers segfaults (trufflesuite build) before the app listens; no sockets also means no subscribers.
    if (this.sockets.size === 0 || this.app.numSubscribers(topic) === 0) return;
    const seq = (this.seqs.get(topic) ?? 0) + 1;
    this.seqs.set(topic, seq);
    this.app.publish(topic, `{"type":"event","event":${JSON.stringify(event)},"topic":${JSON.stringify(topic)},"seq":${seq},"data":${JSON.stringify(data)}}`);
    this.published++;
    this.scheduleSweep();
  }

  message(event: MessageEvent): void {
    for (const topic of topicsFor(event)) this.publish(topic, 'message', event);
  }

  delta(session: string, text: string, reset: boolean): void {
    this.publish(`session:${session}`, 'chat.delta', reset ? { session, text, reset } : { session, text });
  }

  /** Sends to everyone subscribed to `status`: channel and actor state changes. */
  state(event: 'channel.state' | 'actor.state', data: unknown): void {
    this.publish('status', event, data);
  }

  /**
   * Checks every buffer shortly (50 ms) after a publish or a large direct send, not during it: fan-out
   * never waits on a slow client, and a client that is reading gets a moment to take a large frame.
   */
  scheduleSweep(): void {
    if (this.sweepTimer) return;
    this.sweepTimer = setTimeout(() => {
      this.sweepTimer = undefined;
      this.closeSlowConsumers();
    }, 50);
  }

  closeSlowConsumers(): void {
    for (const ws of this.sockets) this.closeIfSlow(ws);
  }

  /** Closes `ws` with 1013 when its unsent data has passed the limit; true when it did. */
  closeIfSlow(ws: WebSocket<ConnectionData>): boolean {
    if (ws.getBufferedAmount() <= this.maxBufferBytes) return false;
    this.slowClosed++;
    this.sockets.delete(ws);
    ws.end(1013, 'slow consumer: send buffer exceeded server.ws_max_buffer_bytes');
    return true;
  }

  close(): void {
    clearTimeout(this.sweepTimer);
    for (const ws of this.sockets) ws.end(1001, 'gateway shutting down');
    this.sockets.clear();
  }
}
