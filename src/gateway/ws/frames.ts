// Parsing of client frames: `{"type":"req","id","method","params"}`, with a precise error for anything else.
import { Type, TypeCompiler, type Static } from '../../vendor/typebox.js';
import { AppError } from '../../errors.js';

export const RequestFrame = Type.Object({
  type: Type.Literal('req'),
  id: Type.String({ minLength: 1, maxLength: 128 }),
  method: Type.String({ minLength: 1, maxLength: 64 }),
  params: Type.Optional(Type.Unknown()),
});
export type RequestFrame = Static<typeof RequestFrame>;

const check = TypeCompiler.Compile(RequestFrame);

export type ParsedFrame = { frame: RequestFrame } | { error: AppError; id: string | null };

export function parseFrame(text: string): ParsedFrame {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { id: null, error: new AppError('bad_frame', `frame is not valid JSON: ${(err as Error).message}`) };
  }
  if (check.Check(value)) return { frame: value };
  const rawId = (value as { id?: unknown } | null)?.id;
  const id = typeof rawId === 'string' && rawId.length > 0 && rawId.length <= 128 ? rawId : null;
  const err = check.Errors(value).First();
  const field = err ? err.path.replace(/^\//, '') || 'frame' : 'frame';
  const detail = typeof value !== 'object' || value === null || Array.isArray(value)
    ? 'frame must be a JSON object'
    : `${field}: ${err?.message.toLowerCase() ?? 'invalid'}`;
  return { id, error: new AppError('bad_frame', `${detail} (expected {"type":"req","id":"<string>","method":"<name>","params":{...}})`) };
}
