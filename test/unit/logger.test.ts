// Secret scrubbing: the pure scrubSecrets function and a real pino logger writing to memory.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger, scrubSecrets } from '../../src/log/logger.js';

const QUOTED = 'pa"ss\\word-42';

describe('scrubSecrets', () => {
  const cases: Array<{ name: string; text: string; secrets: string[]; want: string }> = [
    { name: 'configured secret', text: 'token=tok-0123456789 end', secrets: ['tok-0123456789'], want: 'token=*** end' },
    { name: 'every occurrence of every secret', text: 'a=k1-secret b=k2-secret c=k1-secret', secrets: ['k1-secret', 'k2-secret'], want: 'a=*** b=*** c=***' },
    { name: 'JSON-escaped secret', text: JSON.stringify({ key: QUOTED }), secrets: [QUOTED], want: '{"key":"***"}' },
    { name: 'regex characters in a secret', text: 'x=a.b*c+d?(e) y', secrets: ['a.b*c+d?(e)'], want: 'x=*** y' },
    { name: 'telegram token in a URL, not configured', text: 'GET https://api.telegram.org/bot123456:AA-bc_DEF/getMe failed', secrets: [], want: 'GET https://api.telegram.org/bot***/getMe failed' },
    { name: 'Bearer header, not configured', text: '{"authorization":"Bearer abcDEF123.456_-~+/="}', secrets: [], want: '{"authorization":"Bearer ***"}' },
    { name: 'lowercase bearer', text: 'authorization: bearer abcdefgh12345', secrets: [], want: 'authorization: bearer ***' },
    { name: 'secrets shorter than 4 are ignored', text: 'abc abcdef', secrets: ['abc'], want: 'abc abcdef' },
    { name: 'nothing to scrub', text: '{"msg":"hello"}', secrets: ['not-here'], want: '{"msg":"hello"}' },
  ];
  for (const c of cases) test(c.name, () => assert.equal(scrubSecrets(c.text, c.secrets), c.want));
});

function memoryLogger(secrets: string[], level: 'trace' | 'warn' = 'trace'): { logger: ReturnType<typeof createLogger>; text: () => string } {
  let out = '';
  const destination = new Writable({
    write(chunk: Buffer | string, _enc, done) {
      out += chunk.toString();
      done();
    },
  });
  return { logger: createLogger({ level, secrets, destination }), text: () => out };
}

describe('createLogger', () => {
  const TELEGRAM = '987654321:AAH-telegram_secret_part';
  const API_KEY = 'sk-ant-api-key-0123456789';
  const AUTH = 'gateway-auth-token-xyz';
  const secrets = [TELEGRAM, API_KEY, AUTH, QUOTED];

  test('never writes a configured secret, wherever it appears', () => {
    const { logger, text } = memoryLogger(secrets);
    logger.info(`message with ${API_KEY}`);
    logger.info({ config: { auth_token: AUTH, nested: [QUOTED] } }, 'object fields');
    logger.error({ err: new Error(`request to https://api.telegram.org/bot${TELEGRAM}/getUpdates failed`) }, 'telegram failed');
    logger.error(new Error(`provider said: invalid x-api-key ${API_KEY}`));
    logger.child({ token: AUTH }).warn('child bindings');
    logger.debug({ headers: { authorization: `Bearer ${AUTH}` } }, 'outgoing request');
    logger.trace({ quoted: `say "${QUOTED}"` }, 'quoted');
    logger.flush();

    const out = text();
    const lines = out.trim().split('\n');
    assert.equal(lines.length, 7);
    for (const line of lines) assert.doesNotThrow(() => JSON.parse(line), line);
    for (const secret of [...secrets, JSON.stringify(QUOTED).slice(1, -1), TELEGRAM.split(':')[1] ?? '']) {
      assert.ok(!out.includes(secret), `secret ${secret} leaked:\n${out}`);
    }
    assert.ok(out.includes('***'));
    assert.match(out, /telegram failed/, 'the rest of the line survives');
  });

  test('the level filters lines', () => {
    const { logger, text } = memoryLogger([], 'warn');
    logger.info('hidden');
    logger.warn('shown');
    assert.deepEqual(text().trim().split('\n').map((l) => (JSON.parse(l) as { msg: string }).msg), ['shown']);
  });
});
