// The channel actors this config enables, as supervisor specs (main-thread wiring is added by server.ts).
import type { Config } from '../config/schema.js';
import type { ActorSpec } from '../actors/supervisor.js';
import { telegramSpec } from './telegram/spec.js';
import { discordSpec } from './discord/spec.js';

type SpecFactory = (config: Config) => ActorSpec | undefined;

const FACTORIES: SpecFactory[] = [telegramSpec, discordSpec];

export function channelSpecs(config: Config): ActorSpec[] {
  return FACTORIES.map((make) => make(config)).filter((s): s is ActorSpec => s !== undefined);
}
