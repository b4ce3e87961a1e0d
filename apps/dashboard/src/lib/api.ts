import 'server-only';
import { cookies } from 'next/headers';
import { redirect } from 'next/navigation';

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

/** The typed error results of mutations (`... on Error { code message }`). */
export interface ErrorResult {
  __typename: string;
  code: string;
  message: string;
}

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

async function post<T>(
  body: BodyInit,
  contentType: string | null,
  token: string | undefined,
  extraHeaders: Record<string, string> = {},
): Promise<T> {
  const headers: Record<string, string> = { ...extraHeaders, accept: 'application/json', 'graphql-require-preflight': '1' };
  if (contentType) headers['content-type'] = contentType;
  if (token) headers.authorization = `Bearer ${token}`;
  let response: Response;
  try {
    response = await fetch(API_URL, { method: 'POST', headers, body, cache: 'no-store' });
  } catch {
    throw new ApiError(`The facegate API at ${API_URL} cannot be reached. Is it running?`, 'API_UNREACHABLE');
  }
  let json: { data?: T; errors?: { message: string; extensions?: { code?: string } }[] };
  try {
    json = (await response.json()) as typeof json;
  } catch {
    throw new ApiError(`The facegate API answered ${response.status} ${response.statusText} without a readable body.`);
  }
  const first = json.errors?.[0];
  if (first) {
    const code = first.extensions?.code ?? 'API_ERROR';
    if (code === 'UNAUTHORIZED' && json.data == null)
      throw new ApiError('Your session has ended or does not allow this. Sign in again.', code);
    throw new ApiError(first.message, code);
  }
  if (!json.data) throw new ApiError(`The facegate API answered ${response.status} with no data.`);
  return json.data;
}

/** Runs a GraphQL operation with the signed-in administrator's token. */
export async function gql<T>(
  query: string,
  variables: Record<string, unknown> = {},
  token?: string,
  extraHeaders?: Record<string, string>,
): Promise<T> {
  return post<T>(JSON.stringify({ query, variables }), 'application/json', token ?? (await sessionToken()), extraHeaders);
}

/**
 * Runs a mutation with uploads (GraphQL multipart request spec). `files` maps a variable path such as
 * "images.0" or "input.image" to a File; those variables must be null in `variables`.
 */
export async function gqlUpload<T>(query: string, variables: Record<string, unknown>, files: Record<string, File>): Promise<T> {
  const form = new FormData();
  form.append('operations', JSON.stringify({ query, variables }));
  const entries = Object.entries(files);
  form.append('map', JSON.stringify(Object.fromEntries(entries.map(([path], i) => [String(i), [`variables.${path}`]]))));
  entries.forEach(([, file], i) => form.append(String(i), file, file.name || `photo-${i}.jpg`));
  return post<T>(form, null, await sessionToken());
}

/** For server components: a read that sends the visitor to sign in when the session is gone. */
export async function read<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  try {
    return await gql<T>(query, variables);
  } catch (error) {
    if (error instanceof ApiError && error.code === 'UNAUTHORIZED') redirect('/login?expired=1');
    throw error;
  }
}

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
export async function safeRead<T>(
  query: string,
  variables: Record<string, unknown> = {},
): Promise<{ data: T; error: null } | { data: null; error: string }> {
  try {
    return { data: await read<T>(query, variables), error: null };
  } catch (error) {
    if (error && typeof error === 'object' && 'digest' in error && String(error.digest).startsWith('NEXT_REDIRECT')) throw error;
    return { data: null, error: explain(error) };
  }
}
