import { FacegateGraphQLError, FacegateHttpError, FacegateNetworkError } from './errors.ts';
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';

/**
 * A typed document as graphql-codegen's client preset writes it (documentMode 'string'): its text and
 * its result and variable types. Structural, so documents generated in another package (the dashboard's) fit.
 */
export type TypedDocument<TResult, TVariables> = DocumentTypeDecoration<TResult, TVariables> & { toString(): string };

export interface TransportOptions {
  /** The GraphQL endpoint, e.g. http://127.0.0.1:4000/graphql. */
  url: string;
  /** An API key (`fg_...`) or an administrator's session token; none for a sign-in. */
  key?: string;
  /** Defaults to the global fetch (Node 20+, browsers). */
  fetch?: typeof fetch;
  /** Sent with every request (e.g. X-Forwarded-For from a server that relays a visitor). */
  headers?: Record<string, string>;
}

interface GraphQLResponse<T> {
  data?: T | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

/**
 * Replaces every Blob in the variables by null and lists where it was, per the GraphQL multipart
 * request spec (https://github.com/jaydenseric/graphql-multipart-request-spec).
 */
function extractFiles(value: unknown, at: string, files: Map<Blob, string[]>): unknown {
  if (value instanceof Blob) {
    files.set(value, [...(files.get(value) ?? []), at]);
    return null;
  }
  if (Array.isArray(value)) return value.map((item, i) => extractFiles(item, `${at}.${i}`, files));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, extractFiles(item, `${at}.${key}`, files)]));
  }
  return value;
}

export function createTransport(options: TransportOptions) {
  const doFetch = options.fetch ?? globalThis.fetch;

  async function send(init: RequestInit & { headers: Record<string, string> }): Promise<Response> {
    Object.assign(init.headers, options.headers);
    if (options.key) init.headers.authorization = `Bearer ${options.key}`;
    try {
      return await doFetch(options.url, init);
    } catch (error) {
      if (error instanceof Error && error.name === 'AbortError') throw error;
      throw new FacegateNetworkError(
        `cannot reach ${options.url}: ${error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error)}`,
        { cause: error },
      );
    }
  }

  async function parse<T>(response: Response): Promise<T> {
    const text = await response.text();
    let body: GraphQLResponse<T>;
    try {
      body = JSON.parse(text) as GraphQLResponse<T>;
    } catch {
      throw new FacegateHttpError(response.status, text);
    }
    if (body.errors?.length) throw new FacegateGraphQLError(body.errors, body.data);
    if (!response.ok || body.data == null) throw new FacegateHttpError(response.status, text);
    return body.data;
  }

  return {
    /** One query or mutation; a variable holding a Blob makes it a multipart upload. */
    async request<TResult, TVariables>(
      document: TypedDocument<TResult, TVariables>,
      variables: TVariables,
      signal?: AbortSignal,
    ): Promise<TResult> {
      const files = new Map<Blob, string[]>();
      const cleaned = extractFiles(variables ?? {}, 'variables', files);
      const operations = JSON.stringify({ query: document.toString(), variables: cleaned });
      if (files.size === 0) {
        return parse<TResult>(
          await send({
            method: 'POST',
            headers: { 'content-type': 'application/json', accept: 'application/json' },
            body: operations,
            signal,
          }),
        );
      }
      const form = new FormData();
      form.append('operations', operations);
      const entries = [...files.entries()];
      form.append('map', JSON.stringify(Object.fromEntries(entries.map(([, paths], i) => [String(i), paths]))));
      entries.forEach(([blob], i) => form.append(String(i), blob, blob instanceof File && blob.name ? blob.name : `frame-${i}.jpg`));
      // The API refuses multipart requests without it (CSRF: a browser form cannot set this header).
      return parse<TResult>(
        await send({ method: 'POST', headers: { 'graphql-require-preflight': '1', accept: 'application/json' }, body: form, signal }),
      );
    },

    /**
     * A subscription over server-sent events (Yoga's single-connection mode: POST with
     * `Accept: text/event-stream`). It connects at once; `ready` resolves on the first bytes the server
     * streams (its keep-alive comment), by which time it is subscribing. `events` ends when the server
     * completes or `signal` aborts, and throws the API's errors (e.g. a key without audit:read).
     */
    subscribe<TResult, TVariables>(document: TypedDocument<TResult, TVariables>, variables: TVariables, signal?: AbortSignal) {
      const queue: TResult[] = [];
      let finished = false;
      let failure: unknown = null;
      let wake: (() => void) | null = null;
      const notify = () => {
        wake?.();
        wake = null;
      };
      let markReady!: () => void;
      let failReady!: (error: unknown) => void;
      const ready = new Promise<void>((resolve, reject) => {
        markReady = resolve;
        failReady = reject;
      });
      // Callers may only iterate: an unawaited rejection must not crash the process (events throws it too).
      ready.catch(() => undefined);
      const body = JSON.stringify({ query: document.toString(), variables: variables ?? {} });

      async function pump(): Promise<void> {
        const response = await send({
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
          body,
          signal,
        });
        const contentType = response.headers.get('content-type') ?? '';
        if (!response.ok || !contentType.includes('text/event-stream') || !response.body) {
          // Refused before streaming: a JSON body with the GraphQL errors, or something else.
          throw contentType.includes('json')
            ? await parse<TResult>(response).then(
                () => new FacegateHttpError(response.status, ''),
                (e: unknown) => e,
              )
            : new FacegateHttpError(response.status, await response.text());
        }
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        try {
          for (;;) {
            const chunk = await reader.read();
            if (chunk.done) return;
            markReady();
            buffer += chunk.value.replace(/\r\n?/g, '\n');
            let end: number;
            while ((end = buffer.indexOf('\n\n')) >= 0) {
              const block = buffer.slice(0, end);
              buffer = buffer.slice(end + 2);
              let event = 'message';
              const data: string[] = [];
              for (const line of block.split('\n')) {
                if (line.startsWith(':')) continue; // keep-alive comment
                const colon = line.indexOf(':');
                const field = colon < 0 ? line : line.slice(0, colon);
                const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
                if (field === 'event') event = value;
                else if (field === 'data') data.push(value);
              }
              if (event === 'complete') return;
              if (data.length === 0) continue;
              const payload = JSON.parse(data.join('\n')) as GraphQLResponse<TResult>;
              if (payload.errors?.length) throw new FacegateGraphQLError(payload.errors);
              if (payload.data) {
                queue.push(payload.data);
                notify();
              }
            }
          }
        } finally {
          await reader.cancel().catch(() => undefined);
        }
      }

      pump().then(
        () => {
          finished = true;
          markReady();
          notify();
        },
        (error: unknown) => {
          finished = true;
          if (!signal?.aborted)
            failure =
              error instanceof Error &&
              !(error instanceof FacegateGraphQLError || error instanceof FacegateHttpError || error instanceof FacegateNetworkError)
                ? new FacegateNetworkError(`event stream from ${options.url} broke: ${error.message}`, { cause: error })
                : error;
          if (failure) failReady(failure);
          else markReady();
          notify();
        },
      );

      async function* events(): AsyncGenerator<TResult> {
        for (;;) {
          const next = queue.shift();
          if (next !== undefined) {
            yield next;
            continue;
          }
          if (failure) throw failure;
          if (finished) return;
          await new Promise<void>((resolve) => (wake = resolve));
        }
      }

      return { ready, events: events() };
    },
  };
}

export type Transport = ReturnType<typeof createTransport>;
