import 'server-only';
import { cookies, headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { FacegateGraphQLError, FacegateHttpError, FacegateNetworkError } from '@facegate/client/errors';
import { createTransport, type TypedDocument } from '@facegate/client/transport';

export type { TypedDocument };
import { TypedDocumentString, type MutationErrorFragment } from '@/generated/graphql';

/** Where the GraphQL API is, seen from the dashboard's server. */
export const API_URL = process.env.FACEGATE_API_URL ?? 'http://127.0.0.1:4000/graphql';
export const SESSION_COOKIE = 'facegate_session';

/** A failure talking to the API (network, GraphQL error), in words for the page. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string = 'API_ERROR',
  ) {
    super(message);
  }
}

/** The typed error results of mutations (`...MutationError` in lib/fragments.ts). */
export type ErrorResult = MutationErrorFragment & { __typename: string };

/**
 * The visitor's address for the API's per-address sign-in throttling and security log: the nearest
 * entry of X-Forwarded-For (Next.js sets it to the socket's peer unless a proxy in front set it).
 */
export function forwardedFor(requestHeaders: Headers): Record<string, string> {
  const forwarded = requestHeaders.get('x-forwarded-for')?.split(',').pop()?.trim();
  return forwarded ? { 'x-forwarded-for': forwarded.slice(0, 64) } : {};
}

export async function sessionToken(): Promise<string | undefined> {
  return (await cookies()).get(SESSION_COOKIE)?.value;
}

/** An operation's variables: optional when it has none. */
type VariablesArg<TVariables> = Record<string, never> extends TVariables ? [variables?: TVariables] : [variables: TVariables];

export interface RequestOptions {
  /** Defaults to the session cookie's; '' sends none (a sign-in). */
  token?: string;
  /** E.g. `forwardedFor(await headers())` for a sign-in. */
  headers?: Record<string, string>;
}

/** The API's failures in the words a page shows. */
function apiError(error: unknown): unknown {
  if (error instanceof FacegateNetworkError)
    return new ApiError(`The facegate API at ${API_URL} cannot be reached. Is it running?`, 'API_UNREACHABLE');
  if (error instanceof FacegateGraphQLError) {
    const code = error.code ?? 'API_ERROR';
    if (code === 'UNAUTHORIZED' && error.data == null)
      return new ApiError('Your session has ended or does not allow this. Sign in again.', code);
    return new ApiError(error.errors[0]!.message, code);
  }
  if (error instanceof FacegateHttpError) {
    const readable = (() => {
      try {
        return JSON.parse(error.body) !== undefined;
      } catch {
        return false;
      }
    })();
    return new ApiError(`The facegate API answered ${error.status} ${readable ? 'with no data' : 'without a readable body'}.`);
  }
  return error;
}

/**
 * Runs a typed GraphQL document (`graphql(...)` from '@/generated') through @facegate/client's
 * transport: the signed-in administrator's token, never cached, a File anywhere in the variables
 * sent as a multipart upload. Failures are ApiErrors in words.
 */
export async function request<TResult, TVariables>(
  document: TypedDocument<TResult, TVariables>,
  variables: TVariables,
  options: RequestOptions = {},
): Promise<TResult> {
  const transport = createTransport({
    url: API_URL,
    key: options.token ?? (await sessionToken()),
    // The API refuses state-changing requests without it (CSRF: a browser form cannot set this header).
    headers: { ...options.headers, 'graphql-require-preflight': '1' },
    fetch: (url, init) => fetch(url, { ...init, cache: 'no-store' }),
  });
  try {
    return await transport.request(document, variables);
  } catch (error) {
    throw apiError(error);
  }
}

/** A sign-in step: no session yet, and the visitor's address for the API's throttling and security log. */
export async function signInRequest<TResult, TVariables>(
  document: TypedDocument<TResult, TVariables>,
  variables: TVariables,
): Promise<TResult> {
  return request(document, variables, { token: '', headers: forwardedFor(await headers()) });
}

/** A hand-written query string as an untyped document. */
function untyped<T>(query: string): TypedDocument<T, Record<string, unknown>> {
  return new TypedDocumentString<T, Record<string, unknown>>(query);
}

/** Runs a hand-written GraphQL string. Prefer `request` with a typed document. */
export async function gql<T>(
  query: string,
  variables: Record<string, unknown> = {},
  token?: string,
  extraHeaders?: Record<string, string>,
): Promise<T> {
  return request(untyped<T>(query), variables, { token, headers: extraHeaders });
}

/**
 * Runs a hand-written mutation with uploads. `files` maps a variable path such as "images.0" or
 * "input.image" to a File; those variables must be null in `variables`. Prefer `request` with a typed
 * document and the Files in its variables.
 */
export async function gqlUpload<T>(query: string, variables: Record<string, unknown>, files: Record<string, File>): Promise<T> {
  const withFiles = structuredClone(variables);
  for (const [path, file] of Object.entries(files)) {
    const keys = path.split('.');
    const last = keys.pop()!;
    let at: Record<string, unknown> = withFiles;
    for (const key of keys) at = (at[key] ??= {}) as Record<string, unknown>;
    at[last] = file;
  }
  return request(untyped<T>(query), withFiles);
}

/** For server components: a read that sends the visitor to sign in when the session is gone. */
export async function read<TResult, TVariables = Record<string, unknown>>(
  document: TypedDocument<TResult, TVariables> | string,
  ...[variables]: VariablesArg<TVariables>
): Promise<TResult> {
  try {
    const typed = typeof document === 'string' ? (untyped<TResult>(document) as TypedDocument<TResult, TVariables>) : document;
    return await request(typed, (variables ?? {}) as TVariables);
  } catch (error) {
    if (error instanceof ApiError && error.code === 'UNAUTHORIZED') redirect('/login?expired=1');
    throw error;
  }
}

/** The `data` of a mutation's success in its result union. */
export type SuccessData<TUnion> = Extract<TUnion, { data: unknown }>['data'];

/** True when a union result is one of the `Error` types. */
export function isError(result: { __typename: string } | null | undefined): result is ErrorResult {
  return !!result && !result.__typename.endsWith('Success');
}

/** Plain words for the API's error codes. */
export function explain(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error && typeof error === 'object' && 'message' in error && typeof error.message === 'string') return error.message;
  return 'Something went wrong.';
}

/** For server components: the data, or the error in words to show where it happened. */
export async function safeRead<TResult, TVariables = Record<string, unknown>>(
  document: TypedDocument<TResult, TVariables> | string,
  ...variables: VariablesArg<TVariables>
): Promise<{ data: TResult; error: null } | { data: null; error: string }> {
  try {
    return { data: await read(document, ...variables), error: null };
  } catch (error) {
    if (error && typeof error === 'object' && 'digest' in error && String(error.digest).startsWith('NEXT_REDIRECT')) throw error;
    return { data: null, error: explain(error) };
  }
}
