// The channel actors this config enables, as supervisor specs (main-thread wiring is added by server.ts).
import type { Config } from '../config/schema.js';
import type { ActorSpec } from '../actors/supervisor.js';
import { discordSpec } from './discord/spec.js';

type SpecFactory = (config: Config) => ActorSpec | undefined;

const FACTORIES: SpecFactory[] = [discordSpec];

export function channelSpecs(config: Config): ActorSpec[] {
  return FACTORIES.map((make) => make(config)).filter((s): s is ActorSpec => s !== undefined);
}
