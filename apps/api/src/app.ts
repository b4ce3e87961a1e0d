import type { IncomingMessage } from 'node:http';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { createGraphQLError, createYoga, maskError, type Plugin } from 'graphql-yoga';
import { int8Available, useEncoderPrecision, type EncoderPrecision } from '@facegate/face-core';
import { readOrCreateKeyFile } from './auth/key-file.ts';
import { createTokenIssuer } from './auth/tokens.ts';
import type { Config } from './config.ts';
import { clientAddress, resolveViewer, trustedProxies as parseTrustedProxies, type Context } from './context.ts';
import { parseWebhookAllowList } from './events/webhook-address.ts';
import { createDb, loadMigrations } from './db/index.ts';
import { dataKeys, defaultKeyFile } from './db/data-key.ts';
import { unavailableError } from './db/unavailable.ts';
import { createDataCipher, type DataCipher } from './db/sealed.ts';
import { GRAPHIQL_EXAMPLES } from './graphiql-examples.ts';
import { limitInputLengths } from './input-limits.ts';
import { introspectionForSignedIn } from './introspection.ts';
import { queryCostLimit } from './query-cost.ts';
import { createLogger, type Logger } from './ops/logger.ts';
import { createMetrics } from './ops/metrics.ts';
import { observe } from './ops/observe.ts';
import { createRecognizer, type Recognizer } from './recognizer/pool.ts';
import { schema } from './schema/index.ts';
import { createServices } from './composition.ts';
import { chooseEncoder } from './services/models/index.ts';
import type { Prisma } from './db/prisma.ts';

/** Refuses request bodies over the limit before they are read (uploads are buffered in memory). */
function bodyLimit(maxBytes: number): Plugin {
  return {
    onRequest({ request, endResponse, fetchAPI }) {
      const length = Number(request.headers.get('content-length') ?? 0);
      if (length > maxBytes) {
        endResponse(
          new fetchAPI.Response(
            JSON.stringify({
              errors: [
                { message: `request body of ${length} bytes is over the limit of ${maxBytes}`, extensions: { code: 'PAYLOAD_TOO_LARGE' } },
              ],
            }),
            {
              status: 413,
              headers: { 'content-type': 'application/json' },
            },
          ),
        );
      }
    },
  };
}

/**
 * The session-signing secret: from the environment, else a key file readable by its owner only (0600),
 * generated on first start, beside the SQLite database (or in apps/api/data/ for PostgreSQL). Never in
 * the database: a copy of the database must not let anyone forge sessions.
 */
async function sessionSecret(prisma: Prisma, config: Config): Promise<Uint8Array> {
  // Earlier versions kept a generated secret in the settings table: removed, so copies no longer hold it.
  await prisma.setting.deleteMany({ where: { key: 'sessionSecret' } });
  if (config.FACEGATE_SECRET) return new TextEncoder().encode(config.FACEGATE_SECRET);
  return readOrCreateKeyFile(config.FACEGATE_SECRET_FILE ?? defaultKeyFile(config.DATABASE_URL, 'secret.key'));
}

/**
 * The key that seals biometric data at rest: from the environment, else a 0600 key file outside the
 * database (beside the SQLite file, or in apps/api/data/ for PostgreSQL), generated on first start.
 * A copy of the database alone holds no readable encoding or face.
 */
function dataCipher(config: Config): DataCipher {
  const { current, previous } = dataKeys(config, { create: true });
  return createDataCipher(current!, previous);
}

/** Headers that show a request was sent by a script that passed a CORS preflight (or a non-browser). */
const PREFLIGHT_HEADERS = ['graphql-require-preflight', 'x-graphql-yoga-csrf', 'apollo-require-preflight'];
/** Content types a browser may POST cross-site without a preflight (HTML forms, `fetch` without headers). */
const SIMPLE_CONTENT_TYPES = new Set(['', 'application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain']);

function refusal(fetchAPI: { Response: typeof Response }, status: number, code: string, message: string): Response {
  return new fetchAPI.Response(JSON.stringify({ errors: [{ message, extensions: { code } }] }), {
    status,
    headers: { 'content-type': 'application/json' },
  });
}

/**
 * Cross-site request forgery: a POST a web page could send without a CORS preflight (form-encoded,
 * multipart, text/plain) must carry a `GraphQL-Require-Preflight` header, which such a page cannot add
 * without a preflight that CORS then refuses. Uploads (multipart) must therefore always carry it;
 * JSON bodies are preflighted anyway. A request from a browser origin that is neither this server's nor
 * an allowed one is refused outright.
 */
function csrfPrevention(allowedOrigins: ReadonlySet<string>): Plugin {
  return {
    onRequest({ request, url, endResponse, fetchAPI }) {
      const origin = request.headers.get('origin');
      if (origin && origin !== url.origin && !allowedOrigins.has(origin)) {
        endResponse(
          refusal(fetchAPI, 403, 'FORBIDDEN_ORIGIN', `requests from ${origin.slice(0, 200)} are not allowed (FACEGATE_CORS_ORIGINS)`),
        );
        return;
      }
      if (request.method !== 'POST') return; // GET never runs mutations (Yoga answers 405)
      const contentType = (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
      if (SIMPLE_CONTENT_TYPES.has(contentType) && !PREFLIGHT_HEADERS.some((name) => request.headers.has(name))) {
        endResponse(
          refusal(fetchAPI, 400, 'CSRF_PREFLIGHT_REQUIRED', 'this request needs a GraphQL-Require-Preflight header (or a JSON body)'),
        );
      }
    },
  };
}

/**
 * Request-parsing errors never carry `extensions.originalError` to clients (Yoga adds the JSON parser's
 * message to "POST body sent invalid JSON.", echoing the body back): the message and code say enough.
 */
function noOriginalErrors(): Plugin {
  return {
    onRequestParse({ requestParser, setRequestParser }) {
      if (!requestParser) return;
      setRequestParser(async (request) => {
        try {
          return await requestParser(request);
        } catch (error) {
          const extensions = (error as { extensions?: Record<string, unknown> }).extensions;
          if (!extensions || !('originalError' in extensions)) throw error;
          const { originalError: _dropped, ...rest } = extensions;
          // Yoga's own error factory, so the HTTP status applies: 400, an unparseable request.
          throw createGraphQLError((error as Error).message, { extensions: { ...rest, http: { status: 400 } } });
        }
      });
    },
  };
}

/** The encoders of the apps open in this process, and how many apps each (createApp refuses to mix them). */
const openAppEncoders = new Map<EncoderPrecision, number>();

/** Everything the server needs, wired: database (migrated), recognizer pool, services, Yoga. */
export async function createApp(config: Config, options: { recognizer?: Recognizer; logger?: Logger; now?: () => Date } = {}) {
  const logger = options.logger ?? createLogger();
  const trustedProxies = parseTrustedProxies(config.FACEGATE_TRUSTED_PROXIES);
  const metrics = createMetrics();
  const db = createDb({ databaseUrl: config.DATABASE_URL });
  const migrations = await db.migrate();
  if (migrations.length > 0) logger.info({ migrations }, 'migrations applied');
  const tokens = createTokenIssuer(await sessionSecret(db.prisma, config));
  // The database's encoder becomes this process's (its workers', ENCODER_MODEL_ID), before anything is
  // encoded. A start refused here leaves no connection or thread behind (a command, a test, goes on).
  const closeDbAndThrow = async (error: unknown): Promise<never> => {
    await db.close();
    throw error;
  };
  const encoderPrecision = await chooseEncoder(db.prisma, config.FACEGATE_ENCODER_PRECISION, await int8Available()).catch(closeDbAndThrow);
  // ENCODER_MODEL_ID is one per process: a second app on a database of another encoder would change it under the first.
  const otherEncoder = [...openAppEncoders].find(([precision, count]) => precision !== encoderPrecision && count > 0);
  if (otherEncoder)
    await closeDbAndThrow(
      new Error(
        `another app in this process runs the ${otherEncoder[0]} encoder; this database's is ${encoderPrecision}: one encoder per process`,
      ),
    );
  useEncoderPrecision(encoderPrecision);
  const recognizer =
    options.recognizer ??
    (await createRecognizer({
      threads: config.FACEGATE_RECOGNIZER_THREADS,
      encoderPrecision,
      ...(config.FACEGATE_RECOGNIZER_QUEUE ? { maxQueue: config.FACEGATE_RECOGNIZER_QUEUE } : {}),
    }).catch(closeDbAndThrow));
  const services = await createServices({
    prisma: db.prisma,
    provider: db.provider,
    databaseUrl: config.DATABASE_URL,
    checkpoint: db.checkpoint,
    recognizer,
    tokens,
    metrics,
    cipher: dataCipher(config),
    maxUploadBytes: config.FACEGATE_MAX_UPLOAD_BYTES,
    ...(options.now ? { now: options.now } : {}),
    events: {
      mqtt: config.FACEGATE_MQTT_URL
        ? {
            url: config.FACEGATE_MQTT_URL,
            topicPrefix: config.FACEGATE_MQTT_TOPIC_PREFIX,
            discoveryPrefix: config.FACEGATE_MQTT_DISCOVERY_PREFIX === 'off' ? null : config.FACEGATE_MQTT_DISCOVERY_PREFIX,
          }
        : null,
      webhooks: {
        maxAttempts: config.FACEGATE_WEBHOOK_MAX_ATTEMPTS,
        baseDelayMs: config.FACEGATE_WEBHOOK_RETRY_BASE_MS,
        timeoutMs: config.FACEGATE_WEBHOOK_TIMEOUT_MS,
      },
      webhookAllow: parseWebhookAllowList(config.FACEGATE_WEBHOOK_ALLOW),
      pollMs: config.FACEGATE_EVENTS_POLL_MS,
    },
    models: {
      pollMs: config.FACEGATE_MODEL_POLL_MS,
      leaseMs: config.FACEGATE_MODEL_LEASE_MS,
      trainingRoot: config.FACEGATE_TRAINING_ROOT ?? null,
    },
    dashboardUrl: config.FACEGATE_DASHBOARD_URL,
    signInPolicy: {
      maxFailuresPerAccount: config.FACEGATE_SIGNIN_MAX_FAILURES,
      maxFailuresPerAddress: config.FACEGATE_SIGNIN_MAX_FAILURES_PER_ADDRESS,
      lockoutSeconds: config.FACEGATE_SIGNIN_LOCKOUT_SECONDS,
    },
    signInMethods: { localAccounts: config.FACEGATE_LOCAL_ACCOUNTS === 'on', singleSignOn: config.singleSignOn },
  }).catch(async (error: unknown) => {
    // A refused start (a head of another encoder, say) leaves no threads or connections behind.
    if (!options.recognizer) await recognizer.close();
    return closeDbAndThrow(error);
  });
  const development = config.NODE_ENV === 'development';
  const corsOrigins = new Set(
    config.FACEGATE_CORS_ORIGINS.split(',')
      .map((o) => o.trim())
      .filter(Boolean),
  );
  const firstAdmin = await services.admins.ensureFirst(config.FACEGATE_ADMIN_EMAIL, config.FACEGATE_ADMIN_PASSWORD);

  const yoga = createYoga<{ req?: IncomingMessage }, Context>({
    schema: limitInputLengths(schema),
    context: async ({ request, req }) => ({
      viewer: await resolveViewer(request, services, tokens),
      services,
      clientAddress: clientAddress(request, req?.socket?.remoteAddress, trustedProxies),
    }),
    // Only the configured origins (the dashboard's by default) get CORS headers, credentials included.
    cors: (request) => {
      const origin = request.headers.get('origin');
      if (!origin || !corsOrigins.has(origin)) return false;
      return {
        origin: [origin],
        credentials: true,
        methods: ['GET', 'POST'],
        allowedHeaders: ['authorization', 'content-type', 'accept', ...PREFLIGHT_HEADERS],
        maxAge: 600,
      };
    },
    // Unexpected errors reach clients as "Unexpected error."; expected ones are typed results. A database
    // that is gone or full is expected (code UNAVAILABLE), wherever it shows (the caller's key, a query).
    maskedErrors: { maskError: (error, message, isDev) => unavailableError(error) ?? maskError(error, message, isDev) },
    // GraphiQL in development only (`npm run dev`): in production an anonymous browser gets no schema explorer.
    graphiql: development ? { title: 'facegate API', defaultQuery: GRAPHIQL_EXAMPLES } : false,
    // GraphiQL's assets come from the npm package, not a CDN: this must work offline.
    renderGraphiQL,
    landingPage: false,
    // Yoga's own logs (masked errors' causes included) go to the same JSON log.
    logging: {
      debug: (...args) => logger.debug({ yoga: args.map(String) }),
      info: (...args) => logger.info({ yoga: args.map(String) }),
      warn: (...args) => logger.warn({ yoga: args.map(String) }),
      error: (...args) => logger.error({ yoga: args.map((a) => (a instanceof Error ? a.message : String(a))) }),
    },
    plugins: [
      observe(logger, metrics),
      csrfPrevention(corsOrigins),
      noOriginalErrors(),
      bodyLimit(config.FACEGATE_MAX_UPLOAD_BYTES * 20 + 64 * 1024),
      maxDepthPlugin({ n: config.FACEGATE_MAX_QUERY_DEPTH, exposeLimits: true, flattenFragments: true }),
      introspectionForSignedIn(development),
      queryCostLimit(config.FACEGATE_MAX_QUERY_COST),
    ],
  });
  openAppEncoders.set(encoderPrecision, (openAppEncoders.get(encoderPrecision) ?? 0) + 1);

  metrics.watch({ queueDepth: () => recognizer.queueDepth(), gallerySize: () => services.gallery.size });

  return {
    yoga,
    services,
    db,
    recognizer,
    firstAdmin,
    logger,
    metrics,
    /** What /readyz reports: the database answers, its migrations are applied, every worker (models loaded) is alive. */
    async readiness() {
      const applied = await db.prisma.$queryRawUnsafe<{ n: number | bigint }[]>('SELECT COUNT(*) AS n FROM "_migrations"').then(
        (rows) => Number(rows[0]?.n ?? 0),
        () => null,
      );
      const migrations = applied !== null && applied >= loadMigrations(db.provider).length;
      const workers = recognizer.liveThreads();
      const checks = { database: applied !== null, migrations, workers: `${workers}/${recognizer.threads}` };
      return { ready: migrations && workers === recognizer.threads, checks };
    },
    async close() {
      openAppEncoders.set(encoderPrecision, (openAppEncoders.get(encoderPrecision) ?? 1) - 1);
      await services.close();
      if (!options.recognizer) await recognizer.close();
      await db.close();
    },
  };
}

export type App = Awaited<ReturnType<typeof createApp>>;
