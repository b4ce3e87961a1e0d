// The only module with start-up side effects: configuration, migrations, models, HTTP.
import { createApp } from './app.ts';
import { loadConfig } from './config.ts';
import { startHttpServer } from './ops/http-server.ts';
import { createLogger } from './ops/logger.ts';

const config = loadConfig();
const logger = createLogger();
const http = startHttpServer(
  { host: config.HOST, port: config.PORT, logger, metricsToken: process.env.FACEGATE_METRICS_TOKEN },
  async () => {
    const app = await createApp(config, { logger });
    const url = `http://${config.HOST}:${config.PORT}${app.yoga.graphqlEndpoint}`;
    logger.info(
      { url, database: app.db.provider, threads: app.recognizer.threads, people: app.services.gallery.size },
      'facegate API ready',
    );
    // Printed for the person who started it, not the log: the first administrator's generated password.
    const first = app.firstAdmin;
    if (first.status === 'created' && first.generatedPassword) {
      console.info(
        `first administrator created: ${first.email} / ${first.generatedPassword} (shown once; set FACEGATE_ADMIN_EMAIL and FACEGATE_ADMIN_PASSWORD to choose)`,
      );
    } else if (first.status === 'created') {
      logger.info({ email: first.email }, 'first administrator created from the environment');
    }
    return app;
  },
);
await http.listening;
logger.info({ host: config.HOST, port: config.PORT }, 'listening (/healthz, /readyz, /metrics); loading models');

async function shutdown(signal: string) {
  logger.info({ signal }, 'shutting down: finishing in-flight attempts');
  await http.close();
  logger.info('closed');
  process.exit(0);
}
process.once('SIGTERM', () => void shutdown('SIGTERM'));
process.once('SIGINT', () => void shutdown('SIGINT'));
