#!/usr/bin/env node
// The `clanker` command line: wires each command file into cac.
import module from 'node:module';
import { cac } from 'cac';
import { VERSION } from '../version.js';
import { fail } from './output.js';

// Node 22.1+ keeps the compiled code of the modules loaded below between runs (~40 ms of start-up on
// Node 24 here); Node 20 has no such API and skips it. Worker threads use it only when the directory is in
// their environment: the store actor's worker then reaches /ready ~55 ms sooner on Node 24.
const compileCache = (module as { enableCompileCache?: () => { directory?: string } | undefined }).enableCompileCache?.();
if (compileCache?.directory !== undefined && process.env.NODE_COMPILE_CACHE === undefined) process.env.NODE_COMPILE_CACHE = compileCache.directory;

const cli = cac('clanker');

/** Loads a command's module only when it runs: client commands then start without the server's imports. */
function lazy<A extends unknown[]>(load: () => Promise<(...args: A) => unknown>): (...args: A) => Promise<unknown> {
  return async (...args) => (await load())(...args);
}
const runServe = lazy(async () => (await import('./serve.js')).runServe);
const runConfig = lazy(async () => (await import('./config.js')).runConfig);
const runStatus = lazy(async () => (await import('./status.js')).runStatus);
const runSend = lazy(async () => (await import('./send.js')).runSend);
const runChat = lazy(async () => (await import('./chat.js')).runChat);
const runSessions = lazy(async () => (await import('./sessions.js')).runSessions);
const runTelegram = lazy(async () => (await import('./telegram.js')).runTelegram);
const runPairing = lazy(async () => (await import('./pairing.js')).runPairing);

const URL_HELP = 'Gateway URL (default $CLANKER_URL or http://127.0.0.1:18789)';
const TOKEN_HELP = 'Auth token (default $CLANKER_TOKEN or $CLANKER_SERVER_AUTH_TOKEN)';

cli.command('serve', 'Start the gateway (HTTP + WebSocket, channels, agent)')
  .alias('gateway')
  .option('--config <file>', 'Config file (else $CLANKER_CONFIG, ./clanker.toml, /etc/open-clanker/config.toml)')
  .option('--host <host>', 'Listen address (server.host)')
  .option('--port <port>', 'Listen port (server.port)')
  .option('--data-dir <dir>', 'Data directory (storage.data_dir)')
  .option('--log-level <level>', 'Log level: trace, debug, info, warn, error, fatal, silent')
  .action(runServe);

cli.command('config <action> [file]', 'Config: "init [FILE]" writes a commented default, "check" validates, "show" prints the effective config')
  .option('--config <file>', 'Config file to check or show')
  .option('--force', 'With init: overwrite an existing file')
  .example('clanker config init clanker.toml')
  .example('clanker config check --config clanker.toml')
  .action(runConfig);

cli.command('status', 'Ask a running gateway for its status')
  .option('--url <url>', URL_HELP)
  .option('--token <token>', TOKEN_HELP)
  .option('--json', 'Print the raw JSON')
  .action(runStatus);

cli.command('telegram <action> [url]', 'Telegram: "set-webhook URL" registers the gateway\'s /telegram/webhook (with webhook_secret)')
  .option('--config <file>', 'Config file with [channels.telegram]')
  .option('--drop-pending', 'Drop updates Telegram is still holding')
  .example('clanker telegram set-webhook https://bot.example.com/telegram/webhook')
  .action(runTelegram);

cli.command('pairing <action> [channel] [code]', 'Pairing: "approve CHANNEL CODE" lets the user who got CODE talk to the assistant')
  .option('--url <url>', URL_HELP)
  .option('--token <token>', TOKEN_HELP)
  .example('clanker pairing approve telegram ABCD2345')
  .action(runPairing);

cli.command('send', 'Send a message out through a channel of a running gateway')
  .option('--channel <channel>', 'telegram or discord')
  .option('--to <id>', 'Chat id (Telegram) or channel id (Discord)')
  .option('--message <text>', 'Text to send')
  .option('--url <url>', URL_HELP)
  .option('--token <token>', TOKEN_HELP)
  .example('clanker send --channel telegram --to 123456789 --message "deploy finished"')
  .action(runSend);

cli.command('chat', 'Chat with the agent in the terminal (reads lines from stdin, prints the answer as it streams)')
  .option('--session <id>', 'Continue this session (default: a new one)')
  .option('--url <url>', URL_HELP)
  .option('--token <token>', TOKEN_HELP)
  .example('echo "hello" | clanker chat')
  .action(runChat);

cli.command('sessions <action> [id]', 'Sessions: "list", "show ID" (its messages), "reset ID" (forget its history)')
  .option('--limit <n>', 'With show: the last N messages (default 50)')
  .option('--json', 'Print the raw JSON')
  .option('--url <url>', URL_HELP)
  .option('--token <token>', TOKEN_HELP)
  .example('clanker sessions show telegram:123456789 --limit 10')
  .action(runSessions);

cli.help();
cli.version(VERSION);

try {
  cli.parse(process.argv, { run: false });
  if (cli.options.help || cli.options.version) {
    // cac prints the version only when no command matched: `clanker serve --version` must not start a server.
    if (cli.options.version && cli.matchedCommand) cli.outputVersion();
  } else if (!cli.matchedCommand) {
    cli.outputHelp();
    process.exitCode = cli.args.length > 0 ? 1 : 0;
  } else {
    await cli.runMatchedCommand();
  }
} catch (err) {
  fail(err);
}
