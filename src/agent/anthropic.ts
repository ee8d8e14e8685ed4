// The Anthropic provider: Messages API over @anthropic-ai/sdk, streamed, with the gateway doing all retries.
import Anthropic from '@anthropic-ai/sdk';
import { classifyError, type Completion, type CompletionRequest, type Provider } from './provider.js';

export interface AnthropicClientOptions {
  apiKey: string;
  /** The host root ('' = the official API); the SDK appends /v1/messages. */
  baseURL: string;
  timeoutMs: number;
}

export function createAnthropicClient(opts: AnthropicClientOptions): Anthropic {
  return new Anthropic({
    apiKey: opts.apiKey,
    // Explicit even when unset, so ANTHROPIC_BASE_URL in the environment cannot override the config.
    baseURL: opts.baseURL === '' ? 'https://api.anthropic.com' : opts.baseURL,
    // The SDK's own retries would multiply with the gateway's.
    maxRetries: 0,
    timeout: opts.timeoutMs,
  });
}

export class AnthropicProvider implements Provider {
  readonly id = 'anthropic';

  constructor(private readonly client: Anthropic, readonly model: string) {}

  async complete(req: CompletionRequest, onDelta: (text: string) => void): Promise<Completion> {
    let requestId: string | undefined;
    try {
      const { data: stream, request_id } = await this.client.messages.create({
        model: this.model,
        max_tokens: req.maxTokens,
        // An empty system text block is rejected by the API: leave the field out instead.
        ...(req.system === '' ? {} : { system: req.system }),
        messages: req.messages,
        stream: true,
      }, { signal: req.signal }).withResponse();
      requestId = request_id ?? undefined;
      let text = '';
      let input = 0;
      let output = 0;
      let stopReason = 'unknown';
      for await (const event of stream) {
        if (event.type === 'message_start') {
          const u = event.message.usage;
          input = u.input_tokens + (u.cache_creation_input_tokens ?? 0) + (u.cache_read_input_tokens ?? 0);
          output = u.output_tokens;
        } else if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') {
          text += event.delta.text;
          onDelta(event.delta.text);
        } else if (event.type === 'message_delta') {
          output = event.usage.output_tokens;
          stopReason = event.delta.stop_reason ?? stopReason;
        }
      }
      return { text, usage: { input, output }, stopReason, ...(requestId ? { requestId } : {}) };
    } catch (err) {
      throw classifyError(err).withRequestId(requestId);
    }
  }
}
