// The one entry point to typebox: the build bundles this file into a single module, because loading
// typebox's 266 ESM files costs ~180 ms on each thread that starts (main and every worker).
export { Type, type Static, type TObject, type TSchema } from '@sinclair/typebox';
export { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
export { ValueErrorType, type ValueError } from '@sinclair/typebox/errors';
export { Value } from '@sinclair/typebox/value';
