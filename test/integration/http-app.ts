// The API in this process over real HTTP on one of the test databases, with a GraphQL helper that sends
// a session token and a client address (X-Forwarded-For, believed from 127.0.0.1): what the sign-in
// tests talk to.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createApp } from '@facegate/api/app';
import { loadConfig } from '@facegate/api/config';
import type { TestDatabase } from './databases.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- GraphQL results are checked by the assertions
export type Body = { data?: Record<string, any>; errors?: { message: string; extensions?: Record<string, unknown> }[] };

export async function startHttpApp(database: TestDatabase, env: Record<string, string>, defaultAddress: string) {
  const dir = await mkdtemp(path.join(tmpdir(), 'facegate-http-'));
  const app = await createApp(
    loadConfig({ DATABASE_URL: await database.url(dir), FACEGATE_RECOGNIZER_THREADS: '1', FACEGATE_TRUSTED_PROXIES: '127.0.0.1', ...env }),
  );
  const server = createServer(app.yoga);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/graphql`;
  return {
    app,
    async gql(query: string, variables: Record<string, unknown> = {}, options: { token?: string; address?: string } = {}): Promise<Body> {
      const headers: Record<string, string> = { 'content-type': 'application/json', 'x-forwarded-for': options.address ?? defaultAddress };
      if (options.token) headers.authorization = `Bearer ${options.token}`;
      const response = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
      return (await response.json()) as Body;
    },
    async close() {
      await new Promise((resolve) => server.close(resolve));
      await app.close();
      await database.drop?.();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
