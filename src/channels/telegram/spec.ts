// The Telegram channel's supervisor spec: present when [channels.telegram] is enabled (a bot token is set).
import type { Config } from '../../config/schema.js';
import type { ActorSpec } from '../../actors/supervisor.js';
import type { TelegramOptions } from './options.js';

export function telegramSpec(config: Config): ActorSpec | undefined {
  const section = config.channels.telegram;
  if (!section.enabled) return undefined;
  const options: TelegramOptions = { ...section, store: { dataDir: config.storage.data_dir, mapSizeMb: config.storage.map_size_mb } };
  return { name: 'telegram', module: new URL('./actor.js', import.meta.url).href, options };
}
