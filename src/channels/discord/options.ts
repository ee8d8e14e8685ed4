// The Discord actor's options: its [channels.discord] config section plus where the store lives, validated on arrival.
import { Type, TypeCompiler, type Static } from '../../vendor/typebox.js';
import { ConfigSchema } from '../../config/schema.js';
import { firstProblem } from '../../actors/mailbox.js';

const Section = ConfigSchema.properties.channels.properties.discord;

export const DiscordOptions = Type.Object({
  ...Section.properties,
  store: Type.Object({ dataDir: Type.String({ minLength: 1 }), mapSizeMb: Type.Integer({ minimum: 1 }) }),
});
export type DiscordOptions = Static<typeof DiscordOptions>;

const check = TypeCompiler.Compile(DiscordOptions);

/** The options, or an Error naming the first bad field (never its value: the token is among them). */
export function parseDiscordOptions(value: unknown): DiscordOptions {
  if (!check.Check(value)) throw new Error(`discord actor options: ${firstProblem(check, value)}`);
  if (value.bot_token === '') throw new Error('discord actor options: bot_token is empty');
  if (!URL.canParse(value.api_base)) throw new Error('discord actor options: api_base is not a URL');
  return { ...value, api_base: value.api_base.replace(/\/+$/, '') };
}
