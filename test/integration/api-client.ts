import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { App } from '@facegate/api/app';

/** A GraphQL client over `yoga.fetch` (no socket), with multipart uploads per the GraphQL multipart request spec. */
export function apiClient(app: App) {
  async function post(body: BodyInit, token?: string, contentType?: string) {
    const headers: Record<string, string> = {};
    if (token) headers.authorization = `Bearer ${token}`;
    if (contentType) headers['content-type'] = contentType;
    // Multipart requests must name an operation type Yoga accepts without CSRF doubts.
    headers['graphql-require-preflight'] = '1';
    const response = await app.yoga.fetch('http://facegate.test/graphql', { method: 'POST', headers, body });
    return {
      status: response.status,
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- GraphQL results are checked by the tests' assertions
      body: (await response.json()) as { data?: Record<string, any>; errors?: { message: string; extensions?: Record<string, unknown> }[] },
    };
  }
  return {
    gql(query: string, variables: Record<string, unknown> = {}, token?: string) {
      return post(JSON.stringify({ query, variables }), token, 'application/json');
    },
    /** Signs an administrator in with a password: their session token. */
    async login(email: string, password: string): Promise<string> {
      const { body } = await post(
        JSON.stringify({
          query: `mutation ($e: String!, $p: String!) { login(email: $e, password: $p) { ... on MutationLoginSuccess { data { token } } } }`,
          variables: { e: email, p: password },
        }),
        undefined,
        'application/json',
      );
      return body.data!.login.data.token as string;
    },
    /** `files` maps a variable path (e.g. "input.image" or "images.0") to a file on disk or bytes. */
    async upload(
      query: string,
      variables: Record<string, unknown>,
      files: Record<string, string | { name: string; bytes: Uint8Array }>,
      token?: string,
    ) {
      const form = new FormData();
      form.append('operations', JSON.stringify({ query, variables }));
      const entries = Object.entries(files);
      form.append('map', JSON.stringify(Object.fromEntries(entries.map(([variable], i) => [String(i), [`variables.${variable}`]]))));
      for (const [i, [, file]] of entries.entries()) {
        const { name, bytes } = typeof file === 'string' ? { name: path.basename(file), bytes: await readFile(file) } : file;
        form.append(String(i), new File([new Uint8Array(bytes)], name));
      }
      return post(form, token);
    },
  };
}
