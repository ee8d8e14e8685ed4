#!/usr/bin/env node
// The `clanker` command line: wires each command file into cac.
import { cac } from 'cac';
import { VERSION } from '../version.js';
import { runServe } from './serve.js';
import { runConfig } from './config.js';
import { runStatus } from './status.js';
import { fail } from './output.js';

const cli = cac('clanker');

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
  .option('--url <url>', 'Gateway URL (default $CLANKER_URL or http://127.0.0.1:18789)')
  .option('--token <token>', 'Auth token (default $CLANKER_TOKEN or $CLANKER_SERVER_AUTH_TOKEN)')
  .option('--json', 'Print the raw JSON')
  .action(runStatus);

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
