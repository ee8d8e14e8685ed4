// Builds the Provider for a settings block, reusing one SDK client (and its keep-alive connections) per settings.
import type Anthropic from '@anthropic-ai/sdk';
import type OpenAI from 'openai';
import type { ProviderSettings } from '../actors/messages.js';
import { DEFAULT_MODELS } from '../config/resolve.js';
import { AnthropicProvider, createAnthropicClient } from './anthropic.js';
import { EchoProvider } from './echo.js';
import { OpenAIProvider, createOpenAIClient } from './openai.js';
import type { Provider } from './provider.js';

const clients = new Map<string, Anthropic | OpenAI>();

function cached<C extends Anthropic | OpenAI>(settings: ProviderSettings, timeoutMs: number, make: () => C): C {
  const key = JSON.stringify([settings.provider, settings.base_url, settings.api_key, timeoutMs]);
  let client = clients.get(key);
  if (!client) clients.set(key, client = make());
  return client as C;
}

export function createProvider(settings: ProviderSettings, timeoutMs: number): Provider {
  const model = settings.model === '' ? DEFAULT_MODELS[settings.provider] : settings.model;
  const opts = { apiKey: settings.api_key, baseURL: settings.base_url, timeoutMs };
  switch (settings.provider) {
    case 'anthropic':
      return new AnthropicProvider(cached(settings, timeoutMs, () => createAnthropicClient(opts)), model);
    case 'openai':
      return new OpenAIProvider(cached(settings, timeoutMs, () => createOpenAIClient(opts)), model);
    case 'echo':
      return new EchoProvider(model);
  }
}
