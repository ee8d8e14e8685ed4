// The one entry point to pino: the build bundles this file into a single module (pino and its helpers are
// ~40 CommonJS files, ~40 ms on every thread that logs). Transports are not used: they load files by path.
export { pino, type LevelWithSilent, type Logger } from 'pino';
