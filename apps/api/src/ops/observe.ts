import { randomUUID } from 'node:crypto';
import { Kind, type DocumentNode, type OperationDefinitionNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Context } from '../context.ts';
import type { Logger } from './logger.ts';
import type { Metrics } from './metrics.ts';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** The operation's root fields ("identifyFace", "people+stats"): what the logs and metrics name it by. */
function rootFields(document: DocumentNode, operationName: string | null | undefined): string {
  const operation = document.definitions.find(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION && (!operationName || d.name?.value === operationName),
  );
  const names = operation?.selectionSet.selections.flatMap((s) => (s.kind === Kind.FIELD ? [s.name.value] : [])) ?? [];
  return names.length > 0 ? [...new Set(names)].sort().join('+').slice(0, 100) : 'unknown';
}

/**
 * One JSON log line and the metrics per GraphQL operation: request id (the caller's `X-Request-Id`, or
 * a new one, echoed back), operation, caller kind, door, latency and error codes. Never variables,
 * images, tokens or passwords.
 */
export function observe(logger: Logger, metrics: Metrics): Plugin<Context> {
  const requestIds = new WeakMap<Request, string>();
  return {
    onRequest({ request }) {
      const given = request.headers.get('x-request-id');
      requestIds.set(request, given && REQUEST_ID.test(given) ? given : randomUUID());
    },
    onExecute({ args }) {
      const started = performance.now();
      const operation = rootFields(args.document, args.operationName);
      const context = args.contextValue as Context & { request?: Request };
      return {
        onExecuteDone({ result }) {
          const seconds = (performance.now() - started) / 1000;
          const codes = 'errors' in result && result.errors ? result.errors.map((e) => String(e.extensions?.code ?? 'INTERNAL')) : [];
          metrics.requests.inc({ operation });
          metrics.operationSeconds.observe({ operation }, seconds);
          for (const code of codes) metrics.errors.inc({ operation, code });
          const viewer = context.viewer;
          logger.info(
            {
              reqId: context.request ? requestIds.get(context.request) : undefined,
              operation,
              caller: viewer.kind,
              door: viewer.kind === 'apiKey' ? viewer.doorId : undefined,
              ms: Math.round(seconds * 10_000) / 10,
              ...(codes.length > 0 ? { errors: codes } : {}),
            },
            'graphql',
          );
        },
      };
    },
    onResponse({ request, response }) {
      const id = requestIds.get(request);
      if (id) response.headers.set('x-request-id', id);
    },
  };
}
