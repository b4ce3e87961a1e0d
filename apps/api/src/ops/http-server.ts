import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { BlockList, isIP } from 'node:net';
import { parseIp } from '../context.ts';
import type { App } from '../app.ts';
import type { Logger } from './logger.ts';

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/**
 * Who may read /metrics: with FACEGATE_METRICS_TOKEN, a caller sending it as a bearer token (compared in
 * constant time); without one, callers on the loopback only (a Prometheus on the same host). The counts
 * and latencies of the doors are not for anyone on the network.
 */
export function metricsAccess(
  remoteAddress: string | undefined,
  authorization: string | undefined,
  token: string | undefined,
): 'allowed' | 'unauthorized' | 'forbidden' {
  if (token) {
    const sent = Buffer.from(authorization ?? '');
    const expected = Buffer.from(`Bearer ${token}`);
    return sent.length === expected.length && timingSafeEqual(sent, expected) ? 'allowed' : 'unauthorized';
  }
  const address = remoteAddress ? parseIp(remoteAddress) : null;
  return address && LOOPBACK.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4') ? 'allowed' : 'forbidden';
}

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

export interface HttpServer {
  readonly server: Server;
  /** Resolves with the port once listening. */
  readonly listening: Promise<number>;
  /** The app, once created (models loaded, migrations applied). */
  app(): App | null;
  /** GraphQL requests being answered now. */
  inFlight(): number;
  /**
   * Graceful shutdown: readiness turns false, new requests get 503, in-flight attempts finish and write
   * their audit events, then the app (workers, database) closes.
   */
  close(): Promise<void>;
}

/**
 * The API's HTTP server. It listens at once, so that `/healthz` answers while the models load, and
 * `/readyz` says when the app can serve: database reachable, migrations applied, models loaded, every
 * worker alive. `/metrics` is Prometheus' text format (see metricsAccess).
 */
export function startHttpServer(
  options: { host: string; port: number; logger: Logger; metricsToken?: string | undefined },
  createApp: () => Promise<App>,
): HttpServer {
  let app: App | null = null;
  let closing = false;
  let startError: unknown = null;
  let inFlight = 0;

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz') return json(res, 200, { status: 'ok' });
    if (path === '/readyz') {
      const readiness =
        app && !closing
          ? await app.readiness()
          : {
              ready: false,
              checks: { started: app !== null, shuttingDown: closing, ...(startError ? { startError: String(startError) } : {}) },
            };
      return json(res, readiness.ready ? 200 : 503, readiness);
    }
    if (path === '/metrics') {
      if (!app) return json(res, 503, { status: 'starting' });
      const access = metricsAccess(req.socket.remoteAddress, req.headers.authorization, options.metricsToken);
      if (access !== 'allowed') return json(res, access === 'unauthorized' ? 401 : 403, { status: access });
      res.writeHead(200, { 'content-type': app.metrics.registry.contentType });
      return res.end(await app.metrics.registry.metrics());
    }
    if (!app || closing) {
      res.setHeader('connection', 'close');
      return json(res, 503, { errors: [{ message: closing ? 'shutting down' : 'starting', extensions: { code: 'UNAVAILABLE' } }] });
    }
    inFlight++;
    res.once('close', () => inFlight--);
    return app.yoga(req, res);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      options.logger.error({ err: error instanceof Error ? error.message : String(error) }, 'request failed');
      if (!res.headersSent) json(res, 500, { errors: [{ message: 'Unexpected error.' }] });
    });
  });
  const listening = new Promise<number>((resolve) => {
    server.listen(options.port, options.host, () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : options.port);
    });
  });
  createApp().then(
    (created) => {
      app = created;
    },
    (error: unknown) => {
      startError = withHint(error);
      options.logger.fatal({ err: startError instanceof Error ? startError.message : String(startError) }, 'start-up failed');
    },
  );

  return {
    server,
    listening,
    app: () => app,
    inFlight: () => inFlight,
    async close() {
      closing = true;
      // No new connections; idle keep-alive ones end now, busy ones when their request is answered.
      const drained = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await drained;
      await app?.close();
    },
  };
}

/**
 * A native module built for another Node.js (better-sqlite3 after switching Node versions, or built
 * against another Node's headers) fails here, before the database opens: say what to do about it.
 */
function withHint(error: unknown): unknown {
  if (!(error instanceof Error) || !/NODE_MODULE_VERSION/.test(error.message)) return error;
  return new Error(
    `${error.message}\nThis Node.js is ${process.version}: rebuild the native modules with it (\`npm rebuild better-sqlite3\`, with npm_config_nodedir set to its folder if npm's nodedir points at another Node; see docs/node-versions.md).`,
    { cause: error },
  );
}
