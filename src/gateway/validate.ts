// Validates API input against a typebox schema, turning the first problem into a `bad_params` error naming the field.
import { TypeCompiler, ValueErrorType, type Static, type TSchema, type TypeCheck } from '../vendor/typebox.js';
import { AppError } from '../errors.js';

const cache = new WeakMap<TSchema, TypeCheck<TSchema>>();

function fieldName(path: string): string {
  return path.replace(/^\//, '').replace(/\//g, '.') || '(params)';
}

/** `expected one of a, b` for a union of literals (typebox alone says only "expected union value"). */
function literalChoices(schema: TSchema): string | undefined {
  const options: unknown = schema.anyOf;
  if (!Array.isArray(options) || !options.every((o: TSchema) => o.const !== undefined)) return undefined;
  return `expected one of ${options.map((o: TSchema) => String(o.const)).join(', ')}`;
}

/** Only the first letter: the rest may quote a pattern, where case matters. */
function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

/** A readable expectation where typebox's own is not: unions of literals, and patterns with a description. */
function expectation(type: ValueErrorType, schema: TSchema): string | undefined {
  if (type === ValueErrorType.Union) return literalChoices(schema);
  if (type === ValueErrorType.StringPattern && typeof schema.description === 'string') return `expected ${schema.description}`;
  return undefined;
}

/** Returns the value typed, or throws `bad_params` e.g. `text: expected string of 1..100000 characters`. */
export function parseParams<S extends TSchema>(schema: S, value: unknown, what = 'params'): Static<S> {
  let check = cache.get(schema);
  if (!check) cache.set(schema, check = TypeCompiler.Compile(schema));
  if (check.Check(value)) return value as Static<S>;
  const err = check.Errors(value).First();
  if (!err) throw new AppError('bad_params', `invalid ${what}`);
  const field = fieldName(err.path);
  const message = err.type === ValueErrorType.ObjectAdditionalProperties
    ? `${field}: unknown field (expected only ${Object.keys((err.schema as { properties?: object }).properties ?? {}).join(', ') || 'no fields'})`
    : err.type === ValueErrorType.ObjectRequiredProperty
      ? `${field}: required`
      : `${field}: ${expectation(err.type, err.schema) ?? lowerFirst(err.message)}`;
  throw new AppError('bad_params', message);
}
