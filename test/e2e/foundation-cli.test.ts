// Foundation acceptance, CLI side: `config init|check|show`, `--version` and `--help` as a user runs them (issue 2).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'smol-toml';
import { runCli, tempDir } from '../helpers/cli.js';
import { VERSION } from '../../src/version.js';

/** `<key.path>: <what is wrong> (expected <what>)`, the format issue 2 asks for. */
const PROBLEM_LINE = /^[\w.[\]]+(?: \([^)]*\))?: .+ \(expected .+\)$/;

describe('config check, init and show', { concurrency: 2 }, () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  const file = (name: string): string => join(dir.path, name);
  before(async () => {
    dir = await tempDir();
  });
  after(async () => { await dir?.cleanup(); });

  test('three different mistakes are all listed with their key paths, exit 1', async () => {
    await writeFile(file('three.toml'), '[server]\nport = "eighty"\nhots = "127.0.0.1"\n\n[channels.telegram]\nenabled = true\n');
    const res = await runCli(['config', 'check', '--config', file('three.toml')]);
    assert.equal(res.code, 1);
    const lines = res.stderr.trim().split('\n');
    assert.equal(lines.length, 3, res.stderr);
    for (const line of lines) assert.match(line, PROBLEM_LINE);
    assert.ok(lines.some((l) => /^server\.port: must be an integer, got string "eighty"/.test(l)), res.stderr);
    assert.ok(lines.some((l) => /^server\.hots: unknown key .*did you mean server\.host\?/.test(l)), res.stderr);
    assert.ok(lines.some((l) => /^channels\.telegram\.bot_token: missing/.test(l)), res.stderr);
  });

  test('a TOML syntax error is reported with line and column, exit 1', async () => {
    await writeFile(file('syntax.toml'), '[server]\nport = 8080\nhost = = "x"\n');
    const res = await runCli(['config', 'check', file('syntax.toml')]);
    assert.equal(res.code, 1);
    assert.match(res.stderr, /syntax\.toml:3:\d+: TOML syntax error/);
  });

  test('a missing file is an error, exit 1', async () => {
    const res = await runCli(['config', 'check', '--config', file('absent.toml')]);
    assert.equal(res.code, 1);
    assert.match(res.stderr, /absent\.toml: cannot read config file: file not found/);
  });

  test('a good file prints ok, exit 0', async () => {
    await writeFile(file('good.toml'), '[server]\nport = 8080\n\n[channels.telegram]\nallowed_users = ["1", "@bob"]\n');
    const res = await runCli(['config', 'check', '--config', file('good.toml')]);
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.stdout, `${file('good.toml')}: ok\n`);
  });

  test('an environment mistake names the variable, exit 1', async () => {
    const res = await runCli(['config', 'check'], { env: { CLANKER_SERVER_PORT: 'abc' } });
    assert.equal(res.code, 1);
    assert.match(res.stderr, /^server\.port \(CLANKER_SERVER_PORT\): must be an integer, got "abc"/m);
  });

  test('config init writes a file check accepts, and refuses to overwrite without --force', async () => {
    const target = file('init.toml');
    const first = await runCli(['config', 'init', target]);
    assert.equal(first.code, 0, first.stderr);
    const written = await readFile(target, 'utf8');
    assert.match(written, /CLANKER_SERVER_PORT/);

    const check = await runCli(['config', 'check', '--config', target]);
    assert.equal(check.code, 0, check.stderr);

    await writeFile(target, '# edited by hand\n');
    const again = await runCli(['config', 'init', target]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already exists.*--force/);
    assert.equal(await readFile(target, 'utf8'), '# edited by hand\n', 'the file is untouched');

    const forced = await runCli(['config', 'init', target, '--force']);
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal(await readFile(target, 'utf8'), written);
  });

  test('lookup order: --config, then $CLANKER_CONFIG, then ./clanker.toml', async () => {
    await writeFile(file('clanker.toml'), '[server]\nport = 1001\n');
    await writeFile(file('from-env.toml'), '[server]\nport = 1002\n');
    await writeFile(file('from-flag.toml'), '[server]\nport = 1003\n');
    const port = async (args: string[], env: Record<string, string> = {}): Promise<unknown> => {
      const res = await runCli(['config', 'show', ...args], { cwd: dir.path, env });
      assert.equal(res.code, 0, res.stderr);
      return (parse(res.stdout) as { server: { port: unknown } }).server.port;
    };
    const env = { CLANKER_CONFIG: file('from-env.toml') };
    assert.deepEqual(await Promise.all([port([]), port([], env), port(['--config', file('from-flag.toml')], env)]), [1001, 1002, 1003]);
  });
});

describe('config show never prints a secret', { concurrency: 2 }, () => {
  const AUTH = 'show-auth-token-0123456789';
  const AGENT_KEY = 'sk-ant-show-agent-key-0123456789';
  const TELEGRAM = '55501234:AAShowTelegramSecretPart_xyz';
  const DISCORD = 'show-discord-bot-token.0123456789';
  const SECRETS = [AUTH, AGENT_KEY, TELEGRAM, TELEGRAM.split(':')[1] ?? TELEGRAM, DISCORD];
  const SECRET_KEYS = ['server.auth_token', 'agent.api_key', 'channels.telegram.bot_token', 'channels.discord.bot_token'];
  let dir: { path: string; cleanup: () => Promise<void> };
  before(async () => {
    dir = await tempDir();
    await writeFile(join(dir.path, 'all.toml'), [
      '[server]', `auth_token = "${AUTH}"`, '[agent]', `api_key = "${AGENT_KEY}"`,
      '[channels.telegram]', `bot_token = "${TELEGRAM}"`, '[channels.discord]', `bot_token = "${DISCORD}"`, '',
    ].join('\n'));
    await writeFile(join(dir.path, 'some.toml'), ['[agent]', `api_key = "${AGENT_KEY}"`, '[channels.discord]', `bot_token = "${DISCORD}"`, ''].join('\n'));
  });
  after(async () => { await dir?.cleanup(); });

  const cases: Array<{ name: string; file?: string; env: Record<string, string> }> = [
    { name: 'all in the file', file: 'all.toml', env: {} },
    { name: 'all in CLANKER_* variables', env: { CLANKER_SERVER_AUTH_TOKEN: AUTH, CLANKER_AGENT_API_KEY: AGENT_KEY, CLANKER_TELEGRAM_BOT_TOKEN: TELEGRAM, CLANKER_DISCORD_BOT_TOKEN: DISCORD } },
    { name: 'all in the fallback variables', env: { CLANKER_SERVER_AUTH_TOKEN: AUTH, ANTHROPIC_API_KEY: AGENT_KEY, TELEGRAM_BOT_TOKEN: TELEGRAM, DISCORD_BOT_TOKEN: DISCORD } },
    { name: 'half in the file, half in the environment', file: 'some.toml', env: { CLANKER_SERVER_AUTH_TOKEN: AUTH, CLANKER_TELEGRAM_BOT_TOKEN: TELEGRAM } },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const res = await runCli(['config', 'show', ...(c.file ? ['--config', join(dir.path, c.file)] : [])], { env: c.env, cwd: dir.path });
      assert.equal(res.code, 0, res.stderr);
      for (const secret of SECRETS) assert.ok(!(res.stdout + res.stderr).includes(secret), `config show printed ${secret}`);
      const shown = parse(res.stdout) as Record<string, unknown>;
      for (const key of SECRET_KEYS) {
        const value = key.split('.').reduce<unknown>((node, part) => (node as Record<string, unknown>)[part], shown);
        assert.equal(value, '***', key);
      }
    });
  }
});

describe('--version and --help on every command', () => {
  const commands: string[][] = [[], ['serve'], ['gateway'], ['config'], ['config', 'check'], ['status']];

  test('--version prints the version and exits 0 (and never starts a server)', async () => {
    const results = await Promise.all(commands.map((cmd) => runCli([...cmd, '--version', '--port', '0'])));
    results.forEach((res, i) => {
      assert.equal(res.code, 0, `${commands[i]?.join(' ')}: ${res.stderr}`);
      assert.match(res.stdout, new RegExp(`^clanker/${VERSION.replace(/\./g, '\\.')}\\b`), commands[i]?.join(' '));
      assert.doesNotMatch(res.stdout, /gateway listening/);
    });
  });

  test('--help prints usage and exits 0', async () => {
    const results = await Promise.all(commands.map((cmd) => runCli([...cmd, '--help'])));
    results.forEach((res, i) => {
      const cmd = commands[i] ?? [];
      assert.equal(res.code, 0, `${cmd.join(' ')}: ${res.stderr}`);
      assert.match(res.stdout, /Usage:/);
      assert.match(res.stdout, /--help/);
      if (cmd[0] === 'serve' || cmd[0] === 'gateway') assert.match(res.stdout, /--data-dir/);
      if (cmd[0] === 'config') assert.match(res.stdout, /--force/);
      if (cmd[0] === 'status') assert.match(res.stdout, /--json/);
      if (cmd.length === 0) assert.match(res.stdout, /serve[\s\S]*config[\s\S]*status/);
    });
  });

  test('an unknown command prints help and exits 1', async () => {
    const res = await runCli(['frobnicate']);
    assert.equal(res.code, 1);
    assert.match(res.stdout, /Usage:/);
  });
});

describe('test helpers', () => {
  test('runCli gives the child a clean environment: no model keys leak from the parent', async () => {
    const saved = process.env.ANTHROPIC_API_KEY;
    process.env.ANTHROPIC_API_KEY = 'sk-ant-parent-only-0123456789';
    try {
      const res = await runCli(['config', 'show']);
      assert.equal(res.code, 0, res.stderr);
      assert.equal((parse(res.stdout) as { agent: { provider: unknown } }).agent.provider, 'echo');
    } finally {
      if (saved === undefined) delete process.env.ANTHROPIC_API_KEY;
      else process.env.ANTHROPIC_API_KEY = saved;
    }
  });
});
