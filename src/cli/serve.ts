// `clanker serve`: load config, start the gateway process, and stop it cleanly on SIGINT/SIGTERM.
import { loadConfig } from '../config/load.js';
import { secretValues } from '../config/render.js';
import { createLogger } from '../log/logger.js';
import { createPool, poolSize } from '../actors/pool.js';
import { Supervisor } from '../actors/supervisor.js';
import { persistenceSpec } from '../store/persistence-spec.js';
import { AgentDispatcher } from '../agent/dispatcher.js';
import { intFlag } from './output.js';

interface ServeFlags { config?: string; host?: string; port?: string; dataDir?: string; logLevel?: string }

/** Whole shutdown budget; the process exits by then whatever is still pending. */
const SHUTDOWN_LIMIT_MS = 4500;

export async function runServe(flags: ServeFlags): Promise<void> {
  const { config, file, warnings } = loadConfig({
    file: flags.config,
    flags: { host: flags.host, port: intFlag('port', flags.port), dataDir: flags.dataDir, logLevel: flags.logLevel },
  });
  const log = { level: config.log.level, secrets: secretValues(config) };
  const logger = createLogger(log);
  logger.info({ config: file ?? 'embedded defaults' }, 'configuration loaded');
  for (const w of warnings) logger.warn(w);

  // The worker threads boot (Node, then the actor host), the store actor loads LMDB and opens the store, and the
  // agent actors start, on the other cores while this thread loads the rest: they are up by the time the port opens.
  const pool = createPool(config.workers.threads, logger);
  const supervisor = new Supervisor(pool, logger, log);
  const persistence = supervisor.start(persistenceSpec(config.storage));
  const agent = new AgentDispatcher(supervisor, config, poolSize(config.workers.threads));
  const { startServer } = await import('../server.js');
  const server = await startServer(config, logger, { pool, supervisor, persistence, agent }).catch(async (err: unknown) => {
    logger.fatal({ err }, 'gateway failed to start');
    // The actors already running would keep the process up.
    await supervisor.stop(1500);
    await pool.destroy().catch(() => undefined);
    throw err;
  });

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      logger.warn('shutdown took too long; exiting');
      process.exit(0);
    }, SHUTDOWN_LIMIT_MS);
    force.unref();
    server.stop().then(() => {
      logger.info('stopped');
      logger.flush();
      process.exit(0);
    }, (err: unknown) => {
      logger.error({ err }, 'error while stopping');
      process.exit(1);
    });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}
