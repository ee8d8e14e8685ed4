// The Telegram actor's options: its config section plus where the store lives, checked on arrival in the worker.
import { Type, TypeCompiler, type TObject } from '../../vendor/typebox.js';
import { schemaAt, type Config } from '../../config/schema.js';
import { firstProblem } from '../../actors/mailbox.js';

const Section = schemaAt(['channels', 'telegram']) as TObject;
const Options = Type.Object({
  ...Section.properties,
  store: Type.Object({ dataDir: Type.String({ minLength: 1 }), mapSizeMb: Type.Integer({ minimum: 1 }) }),
});
const check = TypeCompiler.Compile(Options);

export type TelegramOptions = Config['channels']['telegram'] & { store: { dataDir: string; mapSizeMb: number } };

/** Where the polling offset is stored (LMDB offsets table). */
export const OFFSET_KEY = 'telegram:offset';

export function parseOptions(options: unknown): TelegramOptions {
  if (!check.Check(options)) throw new Error(`telegram actor options: ${firstProblem(check, options)}`);
  return options as TelegramOptions;
}
