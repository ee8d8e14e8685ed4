// The CLI clients (`clanker send`, `chat`, `sessions`) as a user runs them against a real gateway.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { closedPort, runCli, startGateway, type RunningGateway } from '../helpers/cli.js';
import { call } from '../helpers/http.js';

const TOKEN = 'cli-test-token-0042';

describe('CLI clients', () => {
  let gw: RunningGateway;
  let flags: string[];
  before(async () => {
    gw = await startGateway({ configToml: `[server]\nauth_token = "${TOKEN}"\nrate_limit_per_minute = 0\n` });
    flags = ['--url', gw.url, '--token', TOKEN];
  });
  after(async () => { await gw?.stop(); });

  test('chat with piped stdin prints each echoed answer on its own line and exits 0 at EOF', async () => {
    const res = await runCli(['chat', ...flags], { input: 'hello there\n\nsecond line\n' });
    assert.equal(res.stderr, '');
    assert.equal(res.stdout, 'hello there\nsecond line\n');
    assert.equal(res.code, 0);
  });

  test('chat --session continues a session; sessions list, show --limit and reset', async () => {
    const session = `ws:cli-${Date.now()}`;
    const chat = await runCli(['chat', '--session', session, ...flags], { input: 'remember this\nand this\n' });
    assert.equal(chat.code, 0, chat.stderr);

    const env = { CLANKER_URL: gw.url, CLANKER_TOKEN: TOKEN };
    const list = await runCli(['sessions', 'list'], { env });
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /^SESSION +CHANNEL +TURNS/);
    assert.match(list.stdout, new RegExp(`^${session} +ws +4 `, 'm'));

    const show = await runCli(['sessions', 'show', session, '--limit', '2', ...flags]);
    assert.equal(show.code, 0, show.stderr);
    assert.deepEqual(show.stdout.trim().split('\n').map((l) => l.replace(/^\[[^\]]+\] /, '')), ['user: and this', 'assistant: and this']);

    const json = await runCli(['sessions', 'show', session, '--json', ...flags]);
    assert.equal((JSON.parse(json.stdout) as { messages: unknown[] }).messages.length, 4);

    const reset = await runCli(['sessions', 'reset', session, ...flags]);
    assert.equal(reset.code, 0, reset.stderr);
    assert.equal(reset.stdout, `session ${session} reset\n`);
    const history = await call(`${gw.url}/api/sessions/${session}/messages`, 'GET', { token: TOKEN });
    assert.deepEqual((history.body as { messages: unknown[] }).messages, []);
  });

  test('refusals are one line on stderr and exit 1', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['send', '--channel', 'telegram', '--to', '123', '--message', 'hi', ...flags], /^error: gateway refused \(400 bad_params\): channel: telegram is not enabled/],
      [['send', '--channel', 'irc', '--to', '1', '--message', 'hi', ...flags], /channel: expected one of telegram, discord/],
      [['send', '--to', '1', '--message', 'hi', ...flags], /^error: --channel is required/],
      [['sessions', 'show', 'ws:nobody', ...flags], /^error: gateway refused \(404 not_found\): session ws:nobody does not exist/],
      [['sessions', 'show', ...flags], /needs a session id/],
      [['sessions', 'rename', ...flags], /unknown sessions action "rename"/],
      [['sessions', 'list', '--url', gw.url, '--token', 'wrong'], /^error: gateway refused \(401 unauthorized\)/],
    ];
    for (const [args, pattern] of cases) {
      const res = await runCli(args);
      assert.equal(res.code, 1, `${args.join(' ')}: ${res.stdout}${res.stderr}`);
      assert.equal(res.stdout, '');
      assert.equal(res.stderr.trim().split('\n').length, 1, res.stderr);
      assert.match(res.stderr, pattern);
    }
  });

  test('chat refused at the upgrade (wrong token) → one line, exit 1', async () => {
    const res = await runCli(['chat', '--url', gw.url, '--token', 'wrong'], { input: 'hi\n' });
    assert.equal(res.code, 1);
    assert.match(res.stderr, /^error: gateway refused \(401 unauthorized\): wrong bearer token\n$/);
  });

  test('an unreachable gateway → one line naming the URL, exit 1 (HTTP and WebSocket clients)', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    for (const args of [['sessions', 'list', '--url', url], ['send', '--channel', 'discord', '--to', '1', '--message', 'x', '--url', url], ['chat', '--url', url]]) {
      const res = await runCli(args, { input: 'hi\n' });
      assert.equal(res.code, 1, args.join(' '));
      assert.match(res.stderr, new RegExp(`^error: gateway not reachable at ${url.replace(/\./g, '\\.')} \\(ECONNREFUSED\\); is \`clanker serve\` running\\?\\n$`));
    }
  });
});
