import os from 'node:os';
import { z } from 'zod';
import { DEFAULT_DATABASE_URL } from './db/database-url.ts';

const envSchema = z.object({
  /** `development` (npm run dev): GraphiQL and introspection open to anyone. Anything else is production: neither is open to anonymous callers. */
  NODE_ENV: z.string().optional(),
  DATABASE_URL: z.string().default(DEFAULT_DATABASE_URL),
  HOST: z.string().default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  FACEGATE_ADMIN_EMAIL: z.string().email().optional(),
  FACEGATE_ADMIN_PASSWORD: z.string().min(10, 'FACEGATE_ADMIN_PASSWORD needs at least 10 characters').optional(),
  /** Signs administrators' session tokens; when unset, a key file (FACEGATE_SECRET_FILE) is used. */
  FACEGATE_SECRET: z.string().min(32).optional(),
  /** The session-signing key file, generated (mode 0600) when missing; default secret.key beside the SQLite file, or in apps/api/data/. */
  FACEGATE_SECRET_FILE: z.string().optional(),
  /** Failed sign-ins allowed per account, then per client address, within FACEGATE_SIGNIN_LOCKOUT_SECONDS. */
  FACEGATE_SIGNIN_MAX_FAILURES: z.coerce.number().int().positive().default(5),
  FACEGATE_SIGNIN_MAX_FAILURES_PER_ADDRESS: z.coerce.number().int().positive().default(20),
  FACEGATE_SIGNIN_LOCKOUT_SECONDS: z.coerce
    .number()
    .int()
    .positive()
    .default(15 * 60),
  /** Proxies whose X-Forwarded-For is believed (comma-separated addresses or CIDR ranges); none by default. */
  FACEGATE_TRUSTED_PROXIES: z.string().default(''),
  /**
   * The dashboard's public URL as administrators' browsers open it: passkeys are bound to its host name
   * (the WebAuthn RP ID) and answers must come from its origin. Changing the host name orphans the
   * registered passkeys (TOTP and recovery codes still sign in).
   */
  FACEGATE_DASHBOARD_URL: z
    .string()
    .url('FACEGATE_DASHBOARD_URL is the URL administrators open the dashboard at, e.g. https://facegate.example.com')
    .default('http://localhost:3000'),
  /** Browser origins allowed to call the API with credentials (comma-separated); never `*`. */
  FACEGATE_CORS_ORIGINS: z
    .string()
    .default('http://127.0.0.1:3000,http://localhost:3000')
    .refine(
      (value) => !value.split(',').some((origin) => origin.trim() === '*'),
      'FACEGATE_CORS_ORIGINS lists origins; `*` is not allowed',
    ),
  FACEGATE_MAX_UPLOAD_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(10 * 1024 * 1024),
  FACEGATE_RECOGNIZER_THREADS: z.coerce.number().int().positive().default(Math.max(1, os.availableParallelism())),
  /**
   * The encoder of a new database: float32, or int8 (about 3x faster encoding; the default where the CPU
   * has AVX-512 VNNI, else float32). A database keeps the encoder it started with: set to another, the
   * start stops; `facegate models encoder` moves a database (README "Encoder precision").
   */
  FACEGATE_ENCODER_PRECISION: z.preprocess((v) => (v === '' ? undefined : v), z.enum(['float32', 'int8']).optional()),
  /** Seals encodings and face images at rest (AES-256-GCM): base64 of 32 bytes; else a generated key file. */
  FACEGATE_DATA_KEY: z.string().optional(),
  /** Where the generated data key lives (default data.key beside the SQLite file, or in apps/api/data/). */
  FACEGATE_DATA_KEY_FILE: z.string().optional(),
  /** Earlier data keys (comma-separated base64) still read during a rotation. */
  FACEGATE_DATA_KEY_PREVIOUS: z.string().optional(),
  /** Photos waiting for a worker beyond which attempts are refused with BUSY (default: 64 per thread). */
  FACEGATE_RECOGNIZER_QUEUE: z.coerce.number().int().positive().optional(),
  /** The MQTT broker events are published to (mqtt://host:1883, mqtts://...); no MQTT when unset. */
  FACEGATE_MQTT_URL: z
    .string()
    .regex(/^(mqtts?|wss?|tcp|ssl):\/\/./, 'FACEGATE_MQTT_URL is a broker URL such as mqtt://127.0.0.1:1883')
    .optional(),
  /** The first level of every MQTT topic (<prefix>/doors/<doorId>/events, <prefix>/events/<decision>, <prefix>/status). */
  FACEGATE_MQTT_TOPIC_PREFIX: z
    .string()
    .regex(/^[^#+\s]+$/, 'FACEGATE_MQTT_TOPIC_PREFIX cannot hold #, + or spaces')
    .default('facegate'),
  /** Home Assistant MQTT discovery: retained configs under <prefix>/<component>/facegate_<doorId>/...; `off` for none. */
  FACEGATE_MQTT_DISCOVERY_PREFIX: z
    .string()
    .regex(/^[^#+\s]+$/, 'FACEGATE_MQTT_DISCOVERY_PREFIX cannot hold #, + or spaces')
    .default('homeassistant'),
  /** Webhook deliveries: attempts before giving up, the first retry's delay (doubling, jittered, at most an hour), the receiver's time to answer. */
  FACEGATE_WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(12),
  FACEGATE_WEBHOOK_RETRY_BASE_MS: z.coerce.number().int().min(1).default(5000),
  FACEGATE_WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).default(10000),
  /**
   * Addresses webhooks may reach although they are this host, link-local or otherwise refused
   * (events/webhook-address.ts): comma-separated, each with an optional port, e.g. `127.0.0.1:1880` for a
   * Node-RED beside the API. Only here, never through the API: a stolen session cannot open one.
   */
  FACEGATE_WEBHOOK_ALLOW: z.string().optional(),
  /** How often each instance looks for events to send that nothing woke it for (retries due, other instances' rows, rows left by a restart). */
  FACEGATE_EVENTS_POLL_MS: z.coerce.number().int().min(10).default(1000),
  /** Model versions: how often each instance looks for a model change to run or follow, and how long a job's lease lasts without renewal. */
  FACEGATE_MODEL_POLL_MS: z.coerce.number().int().min(10).default(5000),
  FACEGATE_MODEL_LEASE_MS: z.coerce.number().int().min(100).default(30000),
  /** The folder on the server the dashboard may train heads from (one folder per person inside); unset: only the enrolled people. */
  FACEGATE_TRAINING_ROOT: z.string().min(1).optional(),
  /** `off`: password sign-in is refused (LOCAL_ACCOUNTS_DISABLED); administrators sign in with single sign-on (docs/single-sign-on.md). */
  FACEGATE_LOCAL_ACCOUNTS: z.enum(['on', 'off']).default('on'),
  /** Single sign-on (OpenID Connect): the provider's issuer URL; unset, there is none. The others are read only with it. */
  FACEGATE_OIDC_ISSUER: z.string().url().optional(),
  FACEGATE_OIDC_CLIENT_ID: z.string().min(1).optional(),
  /** Unset: a public client (PKCE only, no client secret). */
  FACEGATE_OIDC_CLIENT_SECRET: z.string().min(1).optional(),
  /** The dashboard's callback, as registered at the provider: https://<dashboard>/login/callback. */
  FACEGATE_OIDC_REDIRECT_URI: z.string().url().optional(),
  /** The button's words: "Sign in with <name>". */
  FACEGATE_OIDC_NAME: z.string().min(1).max(60).default('single sign-on'),
  FACEGATE_OIDC_SCOPES: z.string().default('openid email profile'),
  /** The claim the role comes from (a dotted path for a nested one, e.g. realm_access.roles); a string or a list of strings. */
  FACEGATE_OIDC_ROLE_CLAIM: z.string().min(1).default('groups'),
  /** Values of that claim (comma-separated) that make an administrator, and a viewer; a user with neither is refused. */
  FACEGATE_OIDC_ADMIN_VALUES: z.string().default(''),
  FACEGATE_OIDC_VIEWER_VALUES: z.string().default(''),
  /** How often a single sign-on session is checked again with the provider (refresh grant), in seconds. */
  FACEGATE_OIDC_RECHECK_SECONDS: z.coerce.number().int().min(0).default(300),
  /** When a single sign-on counts as a second factor (requireSecondFactor): `amr` (the provider says so, amr or acr) or `always` (the provider enforces one). */
  FACEGATE_OIDC_SECOND_FACTOR: z.enum(['amr', 'always']).default('amr'),
  /** acr values (comma-separated) that mean a second factor was used, besides the amr values mfa, otp, hwk, sms. */
  FACEGATE_OIDC_SECOND_FACTOR_ACR: z.string().default(''),
  /** `1`: the first single sign-on of a local account's email (email_verified) links that account; otherwise it is refused. */
  FACEGATE_OIDC_LINK_VERIFIED_EMAIL: z.enum(['0', '1']).default('0'),
  FACEGATE_MAX_QUERY_DEPTH: z.coerce.number().int().positive().default(8),
  FACEGATE_MAX_QUERY_COST: z.coerce.number().int().positive().default(5000),
});

const list = (value: string) =>
  value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);

/** Single sign-on's settings, or null when FACEGATE_OIDC_ISSUER is unset; a half-configured provider stops the start. */
function singleSignOnConfig(env: z.infer<typeof envSchema>) {
  if (!env.FACEGATE_OIDC_ISSUER) return null;
  const missing = (['FACEGATE_OIDC_CLIENT_ID', 'FACEGATE_OIDC_REDIRECT_URI'] as const).filter((name) => !env[name]);
  if (missing.length > 0)
    throw new Error(`invalid configuration:\n  FACEGATE_OIDC_ISSUER is set: ${missing.join(' and ')} must be set too`);
  const adminValues = list(env.FACEGATE_OIDC_ADMIN_VALUES);
  const viewerValues = list(env.FACEGATE_OIDC_VIEWER_VALUES);
  if (adminValues.length + viewerValues.length === 0)
    throw new Error(
      'invalid configuration:\n  FACEGATE_OIDC_ISSUER is set: FACEGATE_OIDC_ADMIN_VALUES or FACEGATE_OIDC_VIEWER_VALUES must name a value of the role claim',
    );
  return {
    issuer: env.FACEGATE_OIDC_ISSUER,
    clientId: env.FACEGATE_OIDC_CLIENT_ID!,
    clientSecret: env.FACEGATE_OIDC_CLIENT_SECRET ?? null,
    redirectUri: env.FACEGATE_OIDC_REDIRECT_URI!,
    name: env.FACEGATE_OIDC_NAME,
    scopes: env.FACEGATE_OIDC_SCOPES,
    roleClaim: env.FACEGATE_OIDC_ROLE_CLAIM,
    adminValues,
    viewerValues,
    recheckSeconds: env.FACEGATE_OIDC_RECHECK_SECONDS,
    secondFactor: env.FACEGATE_OIDC_SECOND_FACTOR,
    secondFactorAcr: list(env.FACEGATE_OIDC_SECOND_FACTOR_ACR),
    linkVerifiedEmail: env.FACEGATE_OIDC_LINK_VERIFIED_EMAIL === '1',
  };
}
export type SingleSignOnConfig = NonNullable<ReturnType<typeof singleSignOnConfig>>;
export type Config = z.infer<typeof envSchema> & { readonly singleSignOn: SingleSignOnConfig | null };

/** The API's configuration from the environment; a bad value stops start-up with a clear message. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new Error(`invalid configuration:\n${parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n')}`);
  }
  return { ...parsed.data, singleSignOn: singleSignOnConfig(parsed.data) };
}
