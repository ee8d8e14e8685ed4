// The OpenAI provider: Chat Completions over the openai SDK, streamed with usage, with the gateway doing all retries.
import OpenAI from 'openai';
import type { ChatCompletionCreateParamsStreaming } from 'openai/resources/chat/completions';
import { estimateTokens, messagesTokens } from './history.js';
import { classifyError, type Completion, type CompletionRequest, type Provider } from './provider.js';

export const OPENAI_DEFAULT_BASE_URL = 'https://api.openai.com/v1';

export interface OpenAIClientOptions {
  apiKey: string;
  /** A base ending in /v1 ('' = the official API): vLLM, Ollama, OpenRouter ... */
  baseURL: string;
  timeoutMs: number;
}

export function createOpenAIClient(opts: OpenAIClientOptions): OpenAI {
  return new OpenAI({
    // The SDK refuses to start without a key; a local compatible server may need none.
    apiKey: opts.apiKey === '' ? 'no-key' : opts.apiKey,
    // Explicit even when unset, so OPENAI_BASE_URL in the environment cannot override the config.
    baseURL: opts.baseURL === '' ? OPENAI_DEFAULT_BASE_URL : opts.baseURL,
    maxRetries: 0,
    timeout: opts.timeoutMs,
  });
}

export class OpenAIProvider implements Provider {
  readonly id = 'openai';
  private readonly official: boolean;

  constructor(private readonly client: OpenAI, readonly model: string) {
    this.official = client.baseURL.replace(/\/+$/, '') === OPENAI_DEFAULT_BASE_URL;
  }

  async complete(req: CompletionRequest, onDelta: (text: string) => void): Promise<Completion> {
    const params: ChatCompletionCreateParamsStreaming = {
      model: this.model,
      messages: [...(req.system === '' ? [] : [{ role: 'system' as const, content: req.system }]), ...req.messages],
      stream: true,
      stream_options: { include_usage: true },
      // OpenAI deprecated max_tokens (its reasoning models reject it); many compatible servers only know it.
      ...(this.official ? { max_completion_tokens: req.maxTokens } : { max_tokens: req.maxTokens }),
    };
    let requestId: string | undefined;
    try {
      const { data: stream, request_id } = await this.client.chat.completions.create(params, { signal: req.signal }).withResponse();
      requestId = request_id ?? undefined;
      let text = '';
      let usage: Completion['usage'] | undefined;
      let stopReason = 'unknown';
      for await (const chunk of stream) {
        const choice = chunk.choices[0];
        const delta = choice?.delta?.content;
        if (delta) {
          text += delta;
          onDelta(delta);
        }
        if (choice?.finish_reason) stopReason = choice.finish_reason;
        if (chunk.usage) usage = { input: chunk.usage.prompt_tokens, output: chunk.usage.completion_tokens };
      }
      // Some compatible servers ignore include_usage: estimate, so budgets still count something.
      usage ??= { input: estimateTokens(req.system) + messagesTokens(req.messages), output: estimateTokens(text) };
      return { text, usage, stopReason, ...(requestId ? { requestId } : {}) };
    } catch (err) {
      throw classifyError(err).withRequestId(requestId);
    }
  }
}
