// Operations: the HTTP server with health, readiness and metrics; structured logs.
export { startHttpServer, type HttpServer } from './http-server.ts';
export { createLogger, type Logger } from './logger.ts';
export { createMetrics, type Metrics } from './metrics.ts';
