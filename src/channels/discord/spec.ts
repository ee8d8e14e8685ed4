// The Discord channel's supervisor spec: the actor module and its options, or undefined when the channel is off.
import type { Config } from '../../config/schema.js';
import type { ActorSpec } from '../../actors/supervisor.js';
import type { DiscordOptions } from './options.js';

export function discordSpec(config: Config): ActorSpec | undefined {
  const section = config.channels.discord;
  if (!section.enabled) return undefined;
  const options: DiscordOptions = { ...section, store: { dataDir: config.storage.data_dir, mapSizeMb: config.storage.map_size_mb } };
  return { name: 'discord', module: new URL('./actor.js', import.meta.url).href, options };
}
