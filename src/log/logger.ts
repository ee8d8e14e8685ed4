// pino logger: JSON lines on stdout (pretty on a TTY), with every secret scrubbed from each line written.
import { pino, type Logger, type LevelWithSilent } from '../vendor/pino.js';
import { createRequire } from 'node:module';

export type { Logger };

// Telegram bot tokens hide inside request URLs that errors carry (…/bot123:ABC/sendMessage).
const TELEGRAM_TOKEN_IN_URL = /\/bot\d+:[A-Za-z0-9_-]+/g;
const BEARER = /(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi;

/** Replaces every known secret and token-shaped substring in a text. */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let out = text.replace(TELEGRAM_TOKEN_IN_URL, '/bot***').replace(BEARER, '$1***');
  for (const secret of secrets) {
    if (secret.length >= 4 && out.includes(secret)) out = out.split(secret).join('***');
    const json = JSON.stringify(secret).slice(1, -1);
    if (json !== secret && json.length >= 4 && out.includes(json)) out = out.split(json).join('***');
  }
  return out;
}

export interface LoggerOptions {
  level: LevelWithSilent;
  secrets: readonly string[];
  /** Where lines go; defaults to stdout (pretty when it is a TTY). */
  destination?: NodeJS.WritableStream;
  name?: string;
}

const require = createRequire(import.meta.url);

/** pino-pretty is only needed on a terminal: loading it costs start-up time everywhere else. */
function prettyStream(): NodeJS.WritableStream {
  const pretty = require('pino-pretty') as (opts: { colorize: boolean; sync: boolean }) => NodeJS.WritableStream;
  return pretty({ colorize: true, sync: true });
}

export function createLogger(opts: LoggerOptions): Logger {
  const secrets = [...opts.secrets];
  const destination = opts.destination
    ?? (process.stdout.isTTY ? prettyStream() : pino.destination({ fd: 1, sync: true }));
  return pino({
    level: opts.level,
    name: opts.name,
    hooks: { streamWrite: (line: string) => scrubSecrets(line, secrets) },
  }, destination);
}
