// The composition root of a running gateway: store, actors, agent, channels and the uWS front door.
import type { Config } from './config/schema.js';
import type { Logger } from './log/logger.js';
import { Gateway } from './gateway/app.js';
import { healthRoutes, type PartState } from './gateway/http/health.js';
import { VERSION } from './version.js';

export interface RunningServer {
  port: number;
  stop(): Promise<void>;
}

export async function startServer(config: Config, logger: Logger): Promise<RunningServer> {
  const startedAt = Date.now();
  const parts = (): PartState[] => [{ name: 'gateway', state: 'up' }];
  const status = (): Record<string, unknown> => ({
    version: VERSION,
    uptime_s: Math.round((Date.now() - startedAt) / 1000),
    agent: { provider: config.agent.provider, model: config.agent.model },
  });
  const gateway = new Gateway({ config, logger, routes: healthRoutes({ version: VERSION, parts, status }) });
  const port = await gateway.listen();
  const scheme = config.server.tls.cert_file ? 'https' : 'http';
  logger.info({ url: `${scheme}://${config.server.host}:${port}`, uws: gateway.uwsBuild, node: process.version }, 'gateway listening');
  return {
    port,
    async stop() {
      await gateway.close();
    },
  };
}
