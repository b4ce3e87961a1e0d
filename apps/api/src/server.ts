// The only module with start-up side effects: configuration, migrations, models, HTTP.
import { createServer } from 'node:http';
import { createApp } from './app.ts';
import { loadConfig } from './config.ts';

const config = loadConfig();
const app = await createApp(config);
const server = createServer(app.yoga);

server.listen(config.PORT, config.HOST, () => {
  const url = `http://${config.HOST}:${config.PORT}${app.yoga.graphqlEndpoint}`;
  console.info(`facegate API on ${url} (${app.db.provider}, ${app.recognizer.threads} recognition threads, ${app.services.gallery.size} people in the gallery)`);
  const first = app.firstAdmin;
  if (first.status === 'created' && first.generatedPassword) {
    console.info(`first administrator created: ${first.email} / ${first.generatedPassword} (shown once; set FACEGATE_ADMIN_EMAIL and FACEGATE_ADMIN_PASSWORD to choose)`);
  } else if (first.status === 'created') {
    console.info(`first administrator ${first.email} created from the environment`);
  }
});

async function shutdown(signal: string) {
  console.info(`${signal}: closing`);
  server.close();
  await app.close();
  process.exit(0);
}
process.once('SIGTERM', () => void shutdown('SIGTERM'));
process.once('SIGINT', () => void shutdown('SIGINT'));
