import { randomBytes } from 'node:crypto';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { costLimitPlugin } from '@escape.tech/graphql-armor-cost-limit';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { createYoga, type Plugin } from 'graphql-yoga';
import { createTokenIssuer } from './auth/tokens.ts';
import type { Config } from './config.ts';
import { resolveViewer, type Context } from './context.ts';
import { createDb } from './db/index.ts';
import { GRAPHIQL_EXAMPLES } from './graphiql-examples.ts';
import { createRecognizer, type Recognizer } from './recognizer/pool.ts';
import { schema } from './schema/index.ts';
import { createServices } from './services/index.ts';
import type { Prisma } from './services/prisma.ts';

/** Refuses request bodies over the limit before they are read (uploads are buffered in memory). */
function bodyLimit(maxBytes: number): Plugin {
  return {
    onRequest({ request, endResponse, fetchAPI }) {
      const length = Number(request.headers.get('content-length') ?? 0);
      if (length > maxBytes) {
        endResponse(
          new fetchAPI.Response(JSON.stringify({ errors: [{ message: `request body of ${length} bytes is over the limit of ${maxBytes}`, extensions: { code: 'PAYLOAD_TOO_LARGE' } }] }), {
            status: 413,
            headers: { 'content-type': 'application/json' },
          }),
        );
      }
    },
  };
}

/** The session-signing secret: from the environment, else generated once and kept in the database. */
async function sessionSecret(prisma: Prisma, configured: string | undefined): Promise<Uint8Array> {
  if (configured) return new TextEncoder().encode(configured);
  const key = 'sessionSecret';
  const existing = await prisma.setting.findUnique({ where: { key } });
  if (existing) return Buffer.from(JSON.parse(existing.value) as string, 'base64');
  const created = randomBytes(32).toString('base64');
  // upsert: two instances starting together agree on whichever secret was written first
  await prisma.setting.upsert({ where: { key }, create: { key, value: JSON.stringify(created) }, update: {} });
  return Buffer.from(JSON.parse((await prisma.setting.findUniqueOrThrow({ where: { key } })).value) as string, 'base64');
}

/** Everything the server needs, wired: database (migrated), recognizer pool, services, Yoga. */
export async function createApp(config: Config, options: { recognizer?: Recognizer } = {}) {
  const db = createDb({ databaseUrl: config.DATABASE_URL });
  await db.migrate();
  const tokens = createTokenIssuer(await sessionSecret(db.prisma, config.FACEGATE_SECRET));
  const recognizer = options.recognizer ?? (await createRecognizer({ threads: config.FACEGATE_RECOGNIZER_THREADS }));
  const services = await createServices({
    prisma: db.prisma,
    provider: db.provider,
    databaseUrl: config.DATABASE_URL,
    recognizer,
    tokens,
    maxUploadBytes: config.FACEGATE_MAX_UPLOAD_BYTES,
  });
  const firstAdmin = await services.admins.ensureFirst(config.FACEGATE_ADMIN_EMAIL, config.FACEGATE_ADMIN_PASSWORD);

  const yoga = createYoga<Record<string, never>, Context>({
    schema,
    context: async ({ request }) => ({ viewer: await resolveViewer(request, services, tokens), services }),
    // Unexpected errors reach clients as "Unexpected error."; expected ones are typed results.
    maskedErrors: true,
    graphiql: { title: 'facegate API', defaultQuery: GRAPHIQL_EXAMPLES },
    // GraphiQL's assets come from the npm package, not a CDN: this must work offline.
    renderGraphiQL,
    landingPage: false,
    plugins: [
      bodyLimit(config.FACEGATE_MAX_UPLOAD_BYTES * 20 + 64 * 1024),
      maxDepthPlugin({ n: config.FACEGATE_MAX_QUERY_DEPTH, exposeLimits: true, flattenFragments: true }),
      costLimitPlugin({ maxCost: config.FACEGATE_MAX_QUERY_COST, exposeLimits: true }),
    ],
  });

  return {
    yoga,
    services,
    db,
    recognizer,
    firstAdmin,
    async close() {
      await services.close();
      if (!options.recognizer) await recognizer.close();
      await db.close();
    },
  };
}

export type App = Awaited<ReturnType<typeof createApp>>;
