// Renders docs/CONFIG.md from the schema, so the reference cannot drift from the code.
import { CONFIG_KEYS, sectionPaths } from './schema.js';
import { describeExpected } from './validate.js';

function defaultText(value: unknown): string {
  if (Array.isArray(value)) return value.length === 0 ? '`[]`' : `\`${JSON.stringify(value)}\``;
  return `\`${JSON.stringify(value)}\``;
}

export function renderConfigDoc(): string {
  const out: string[] = [
    '# Configuration',
    '',
    'Open Clanker reads one TOML file: `--config FILE`, else `$CLANKER_CONFIG`, else `./clanker.toml`, else',
    '`/etc/open-clanker/config.toml`; with none it runs on the defaults below. Every key can be overridden by',
    'its environment variable, and `clanker serve` flags (`--host`, `--port`, `--data-dir`, `--log-level`) beat both:',
    '**flags > environment > file > defaults**.',
    '',
    'Model keys also fall back to `ANTHROPIC_API_KEY` / `OPENAI_API_KEY`, bot tokens to `TELEGRAM_BOT_TOKEN` /',
    '`DISCORD_BOT_TOKEN`. Environment values are coerced to the key\'s type: integers, booleans (`true/false/1/0/yes/no`),',
    'lists as comma-separated text. Secrets (marked 🔒) never appear in logs, errors, `clanker config show` or API output.',
    '',
    '`clanker config init` writes this whole file with comments; `clanker config check` lists every problem as',
    '`<key.path>: <what is wrong> (expected <what>)` and exits 1; `clanker config show` prints the effective config.',
    '',
    'This page is generated from `src/config/schema.ts` (`npm run docs:config`); a test fails when it is stale.',
    '',
  ];
  for (const section of sectionPaths()) {
    const keys = CONFIG_KEYS.filter((k) => k.path.length === section.length + 1 && section.every((p, i) => k.path[i] === p));
    if (keys.length === 0) continue;
    out.push(`## [${section.join('.')}]`, '', '| key | type | default | env | description |', '| --- | --- | --- | --- | --- |');
    for (const k of keys) {
      const name = k.path[k.path.length - 1] ?? '';
      out.push(`| \`${name}\`${k.secret ? ' 🔒' : ''} | ${describeExpected(k.schema).replace(/\|/g, '\\|')} | ${defaultText(k.schema.default)} | \`${k.envName}\` | ${String(k.schema.description)} |`);
    }
    out.push('');
  }
  out.push(
    '## Rules across keys',
    '',
    '- `agent.provider = ""` picks `anthropic` when `agent.api_key` or `ANTHROPIC_API_KEY` is set, else `openai` when',
    '  `OPENAI_API_KEY` is set, else the offline `echo` agent (with one warning at start).',
    '- A provider other than `echo` needs a key; so does a fallback provider.',
    '- A channel with a `bot_token` is enabled; `enabled = true` without a token is an error.',
    '- `channels.telegram.mode = "webhook"` needs `webhook_secret`.',
    '- `server.tls.cert_file` and `key_file` go together.',
    '- A non-loopback `server.host` (e.g. `0.0.0.0` in a container) needs `server.auth_token`.',
    '',
  );
  return out.join('\n');
}
