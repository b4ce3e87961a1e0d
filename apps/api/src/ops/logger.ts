import pino, { type DestinationStream, type Logger } from 'pino';

/**
 * Structured JSON logs (pino). What may carry a secret never reaches a log line: authorization headers,
 * cookies, passwords, tokens, images and encodings are redacted wherever they appear in an object, and
 * request logs only ever name the operation, never the variables.
 */
export function createLogger(options: { level?: string; destination?: DestinationStream } = {}): Logger {
  return pino(
    {
      level: options.level ?? process.env.FACEGATE_LOG_LEVEL ?? 'info',
      base: { service: 'facegate-api' },
      redact: {
        paths: [
          'authorization',
          'cookie',
          'password',
          'token',
          'secret',
          'image',
          'images',
          'frames',
          'thumbnail',
          'encoding',
          '*.authorization',
          '*.password',
          '*.token',
          '*.thumbnail',
          '*.encoding',
        ],
        censor: '[redacted]',
      },
    },
    options.destination,
  );
}

export type { Logger };
