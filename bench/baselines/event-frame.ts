// The event frames both baselines publish: byte for byte the shape of the gateway's `message` events.
import { randomUUID } from 'node:crypto';

/** What a baseline answers to POST /api/chat: the in and out event frames, and the HTTP reply body. */
export function chatFrames(text: string, nextSeq: () => number): { frames: string[]; reply: string } {
  const session = `http:${randomUUID()}`;
  const ts = Date.now();
  const frame = (direction: 'in' | 'out', id: string, sender: { id: string; name: string }): string =>
    `{"type":"event","event":"message","topic":"messages","seq":${nextSeq()},"data":${JSON.stringify({ id, direction, channel: 'http', session, sender, text, ts })}}`;
  return {
    frames: [frame('in', `${session}#0`, { id: 'http', name: 'http' }), frame('out', `${session}#0.out`, { id: 'assistant', name: 'assistant' })],
    reply: JSON.stringify({ session, text, usage: { input: 0, output: 0 } }),
  };
}

/** The text of a POST /api/chat body, or undefined when the body is not {"text": string}. */
export function chatText(body: string): string | undefined {
  try {
    const value: unknown = JSON.parse(body);
    const text = (value as { text?: unknown } | null)?.text;
    return typeof text === 'string' ? text : undefined;
  } catch {
    return undefined;
  }
}

/** Topics of a subscribe request frame, with its id; undefined for anything else. */
export function subscribeRequest(frame: string): { id: string; topics: string[] } | undefined {
  try {
    const value = JSON.parse(frame) as { id?: unknown; method?: unknown; params?: { topics?: unknown } };
    if (value.method !== 'subscribe' || typeof value.id !== 'string' || !Array.isArray(value.params?.topics)) return undefined;
    return { id: value.id, topics: value.params.topics.filter((t): t is string => typeof t === 'string') };
  } catch {
    return undefined;
  }
}

export function subscribeReply(id: string, topics: string[]): string {
  return JSON.stringify({ type: 'res', id, ok: true, result: { topics } });
}
