// Builds the Provider for a settings block; its SDK client (and its keep-alive connections) lives as long as it does.
import type { ProviderSettings } from '../actors/messages.js';
import { DEFAULT_MODELS } from '../config/resolve.js';
import { EchoProvider } from './echo.js';
import type { Completion, CompletionRequest, Provider, ProviderId } from './provider.js';

/**
 * A provider whose SDK is imported on its first call: each SDK costs a worker thread 5-15 MB and a
 * noticeable part of its start, and most gateways use one provider (the echo agent, none).
 */
class LazyProvider implements Provider {
  private real: Promise<Provider> | undefined;

  constructor(readonly id: ProviderId, readonly model: string, private readonly load: () => Promise<Provider>) {}

  async complete(req: CompletionRequest, onDelta: (text: string) => void): Promise<Completion> {
    this.real ??= this.load();
    return (await this.real).complete(req, onDelta);
  }
}

export function createProvider(settings: ProviderSettings, timeoutMs: number): Provider {
  const model = settings.model === '' ? DEFAULT_MODELS[settings.provider] : settings.model;
  const opts = { apiKey: settings.api_key, baseURL: settings.base_url, timeoutMs };
  switch (settings.provider) {
    case 'anthropic':
      return new LazyProvider('anthropic', model, async () => {
        const { AnthropicProvider, createAnthropicClient } = await import('./anthropic.js');
        return new AnthropicProvider(createAnthropicClient(opts), model);
      });
    case 'openai':
      return new LazyProvider('openai', model, async () => {
        const { OpenAIProvider, createOpenAIClient } = await import('./openai.js');
        return new OpenAIProvider(createOpenAIClient(opts), model);
      });
    case 'echo':
      return new EchoProvider(model);
  }
}
