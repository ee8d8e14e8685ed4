// The offline provider: answers with the user's own text, streamed in a few pieces, usage estimated.
import { estimateTokens, messagesTokens } from './history.js';
import type { Completion, CompletionRequest, Provider } from './provider.js';

/** Splits a text into about `parts` pieces at word boundaries; joining them gives the text back. */
export function splitForStreaming(text: string, parts = 4): string[] {
  const words = text.match(/\S+\s*|\s+/g) ?? [];
  const per = Math.max(1, Math.ceil(words.length / parts));
  const out: string[] = [];
  for (let i = 0; i < words.length; i += per) out.push(words.slice(i, i + per).join(''));
  return out;
}

export class EchoProvider implements Provider {
  readonly id = 'echo';

  constructor(readonly model = 'echo') {}

  async complete(req: CompletionRequest, onDelta: (text: string) => void): Promise<Completion> {
    const text = req.messages.at(-1)?.content ?? '';
    for (const piece of splitForStreaming(text)) {
      req.signal.throwIfAborted();
      onDelta(piece);
      // Yield between pieces so the deltas really arrive one by one.
      await new Promise((resolve) => setImmediate(resolve));
    }
    return {
      text,
      usage: { input: estimateTokens(req.system) + messagesTokens(req.messages), output: estimateTokens(text) },
      stopReason: 'end_turn',
    };
  }
}
