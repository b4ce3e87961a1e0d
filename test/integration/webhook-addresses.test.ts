import { lookup } from 'node:dns/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '@facegate/api/app';
import { loadConfig } from '@facegate/api/config';
import { apiClient } from './api-client.ts';
import { receiver, until } from './events-support.ts';
import { freePort } from './free-port.ts';

const ADMIN = { email: 'admin@facegate.test', password: 'correct horse battery' };
const CREATE = `mutation ($url: String!) { createWebhook(input: { name: "hook", url: $url }) { __typename ... on Error { code message } ... on MutationCreateWebhookSuccess { data { webhook { id } } } } }`;
/** This machine's name, when it resolves to a loopback address (as /etc/hosts usually has it): a name, not a literal. */
const loopbackName = await lookup(hostname()).then(
  ({ address }) => (address.startsWith('127.') || address === '::1' ? hostname() : null),
  () => null,
);

// A webhook is a request the API makes on an administrator's word: it must not reach the API's own host,
// link-local addresses (the cloud metadata service) or the unspecified address, in any spelling, by a
// name that resolves there, or by a redirect. The operator alone can open one address, in the environment.
describe('webhooks cannot target internal addresses', () => {
  let app: App;
  let dir: string;
  let admin: string;
  let client: ReturnType<typeof apiClient>;
  let allowedPort: number;
  let closedPort: number;
  let redirectPort: number;
  let redirecting: Server;
  let allowed: ReturnType<typeof receiver>;
  let closed: ReturnType<typeof receiver>;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'facegate-webhook-addresses-'));
    [allowedPort, closedPort, redirectPort] = [await freePort(), await freePort(), await freePort()];
    // A receiver the operator opened, which answers with a redirect to this host's closed port.
    redirecting = createServer((req, res) => {
      req.resume();
      res.writeHead(307, { location: `http://127.0.0.1:${closedPort}/graphql` }).end();
    });
    await new Promise<void>((resolve) => redirecting.listen(redirectPort, '127.0.0.1', resolve));
    allowed = receiver(allowedPort);
    closed = receiver(closedPort);
    await Promise.all([allowed.listening, closed.listening]);
    app = await createApp(
      loadConfig({
        DATABASE_URL: `file:${path.join(dir, 'facegate.db')}`,
        FACEGATE_ADMIN_EMAIL: ADMIN.email,
        FACEGATE_ADMIN_PASSWORD: ADMIN.password,
        FACEGATE_RECOGNIZER_THREADS: '1',
        FACEGATE_EVENTS_POLL_MS: '100',
        // The operator opens two ports of this host (a Node-RED beside the API): those only.
        FACEGATE_WEBHOOK_ALLOW: `127.0.0.1:${allowedPort}, 127.0.0.1:${redirectPort}`,
      }),
    );
    client = apiClient(app);
    admin = await client.login(ADMIN.email, ADMIN.password);
  });
  afterAll(async () => {
    await app?.close();
    await allowed?.close();
    await closed?.close();
    await new Promise((resolve) => redirecting?.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses loopback, link-local, unspecified and metadata addresses in every spelling at creation; a private LAN is fine', async () => {
    const internal = [
      `http://127.0.0.1:${closedPort}/graphql`,
      'http://2130706433/',
      'http://0x7f000001/metrics',
      'http://127.1/',
      'http://017700000001/',
      'http://[::1]/',
      'http://[::ffff:127.0.0.1]/',
      'http://[0:0:0:0:0:ffff:7f00:1]/',
      'http://0.0.0.0/',
      'http://0/',
      'http://169.254.169.254/latest/meta-data/',
      'http://[fe80::1]/',
      'http://[fd00:ec2::254]/',
      'http://localhost:4000/graphql',
      'http://api.localhost/',
    ];
    for (const url of internal) {
      const { body } = await client.gql(CREATE, { url }, admin);
      expect(body.data!.createWebhook, url).toMatchObject({ __typename: 'InvalidInputError', code: 'INVALID_INPUT' });
    }
    for (const url of [
      'http://192.168.1.20:8123/api/webhook/facegate',
      'http://10.0.0.5/',
      'http://[fd12:3456::1]/',
      'https://example.com/hook',
      `http://127.0.0.1:${allowedPort}/node-red`,
    ]) {
      const { body } = await client.gql(CREATE, { url }, admin);
      expect(body.data!.createWebhook.__typename, url).toBe('MutationCreateWebhookSuccess');
    }
    expect(await app.db.prisma.webhook.count()).toBe(5);
  });

  it('README and code agree: a URL of 2,000 characters is accepted, 2,001 is refused', async () => {
    const at = (n: number) => `https://example.com/${'a'.repeat(n - 'https://example.com/'.length)}`;
    expect((await client.gql(CREATE, { url: at(2000) }, admin)).body.data!.createWebhook.__typename).toBe('MutationCreateWebhookSuccess');
    const long = await client.gql(CREATE, { url: at(2001) }, admin);
    // Refused by the API's input limits (a GraphQL error, coded) before the service sees it.
    expect(long.body.data?.createWebhook?.code ?? long.body.errors?.[0]?.extensions?.code).toBe('INVALID_INPUT');
  });

  it('checks again at delivery: a row naming this host is refused without a connection, the allowed port is delivered', async () => {
    const send = async (url: string) => {
      // Written as a row from before this check would have been (or by someone with the database).
      const hook = await app.db.prisma.webhook.create({
        data: { name: 'old', url, secret: app.services.cipher.seal(Buffer.from('whsec_test')) },
      });
      await client.gql(`mutation ($id: ID!) { testWebhook(id: $id) { __typename } }`, { id: hook.id }, admin);
      return until(
        'a delivery attempt',
        () => app.db.prisma.webhookDelivery.findFirst({ where: { webhookId: hook.id } }),
        (d) => (d?.attempts ?? 0) > 0,
      );
    };
    const refused = await send(`http://127.0.0.1:${closedPort}/graphql`);
    expect(refused).toMatchObject({
      status: 'pending',
      lastStatus: null,
      lastError: expect.stringMatching(/^refused: 127\.0\.0\.1 is a loopback address/),
    });
    const open = await send(`http://127.0.0.1:${allowedPort}/node-red`);
    expect(open).toMatchObject({ status: 'delivered', lastStatus: 204 });
    expect(allowed.received).toHaveLength(1);
    expect(closed.received).toHaveLength(0);
  });

  it('does not follow a redirect: an allowed receiver answering 307 to this host is a failed delivery, nothing reaches it', async () => {
    const hook = await app.db.prisma.webhook.create({
      data: { name: 'redirect', url: `http://127.0.0.1:${redirectPort}/`, secret: app.services.cipher.seal(Buffer.from('whsec_test')) },
    });
    await client.gql(`mutation ($id: ID!) { testWebhook(id: $id) { __typename } }`, { id: hook.id }, admin);
    const delivery = await until(
      'a delivery attempt',
      () => app.db.prisma.webhookDelivery.findFirst({ where: { webhookId: hook.id } }),
      (d) => (d?.attempts ?? 0) > 0,
    );
    expect(delivery).toMatchObject({ status: 'pending', lastStatus: 307, lastError: 'HTTP 307' });
    expect(closed.received).toHaveLength(0);
  });

  it.skipIf(!loopbackName)(
    `checks the addresses a name resolves to at delivery (${loopbackName ?? 'this machine has no name resolving to loopback'})`,
    async () => {
      const { body } = await client.gql(CREATE, { url: `http://${loopbackName}:${closedPort}/metrics` }, admin);
      expect(body.data!.createWebhook.__typename).toBe('MutationCreateWebhookSuccess');
      const id = body.data!.createWebhook.data.webhook.id;
      await client.gql(`mutation ($id: ID!) { testWebhook(id: $id) { __typename } }`, { id }, admin);
      const delivery = await until(
        'a delivery attempt',
        () => app.db.prisma.webhookDelivery.findFirst({ where: { webhookId: id } }),
        (d) => (d?.attempts ?? 0) > 0,
      );
      expect(delivery!.lastError).toMatch(new RegExp(`^refused: ${loopbackName} resolves to 127\\.0\\.0\\.1 is a loopback address`));
      expect(closed.received).toHaveLength(0);
    },
  );
});
