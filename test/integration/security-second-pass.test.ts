// Issue 23, the second security pass, as the attacker ran it: a deleted door's key, introspection at
// scale, sign-in timing, the PIN lock under parallel calls (two instances), X-Forwarded-For from the
// loopback, GraphiQL, names with control characters, and taking over with a stolen session.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { getIntrospectionQuery } from 'graphql';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageDir } from '@facegate/face-core';
import { createApp, type App } from '@facegate/api/app';
import { loadConfig } from '@facegate/api/config';
import { startHttpServer } from '@facegate/api/ops';
import { apiClient } from './api-client.ts';
import { startApiProcess } from './api-process.ts';
import { databases } from './databases.ts';

const ROOT = { email: 'root@facegate.test', password: 'root password 123' };
const PIN = '4826';
const RESULT = 'decision reason attemptId pinTriesLeft';
const VERIFY = `mutation ($input: VerifyFaceInput!) { verifyFace(input: $input) { __typename ... on MutationVerifyFaceSuccess { data { ${RESULT} } } ... on Error { code } } }`;
const COMPLETE = `mutation ($a: ID!, $pin: String!) { completeStepUp(attemptId: $a, pin: $pin) { __typename ... on MutationCompleteStepUpSuccess { data { ${RESULT} } } ... on Error { code message } } }`;

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return (sorted[(sorted.length - 1) >> 1]! + sorted[sorted.length >> 1]!) / 2;
};

for (const database of databases()) {
  describe.skipIf(database.skip)(`security, second pass, on ${database.name}${database.skip ? ` (${database.skip})` : ''}`, () => {
    let app: App;
    let second: Awaited<ReturnType<typeof startApiProcess>>;
    let settings: Awaited<ReturnType<typeof loadConfig>>;
    let dir: string;
    let face: string;
    let admin: string;
    let client: ReturnType<typeof apiClient>;
    const ids: Record<string, string> = {};
    let faceBytes: Uint8Array;

    /** `token` null: no credentials at all. */
    const gql = async (query: string, variables: Record<string, unknown> = {}, token: string | null = admin, on = client) =>
      (await on.gql(query, variables, token ?? undefined)).body;
    const config = async (extra: Record<string, string> = {}) =>
      loadConfig({
        DATABASE_URL: await database.url(dir),
        FACEGATE_ADMIN_EMAIL: ROOT.email,
        FACEGATE_ADMIN_PASSWORD: ROOT.password,
        FACEGATE_RECOGNIZER_THREADS: '1',
        ...extra,
      });

    beforeAll(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'facegate-sec2-'));
      // One real face, cut from a photo shipped inside @vladmandic/face-api: runs on a fresh clone.
      face = path.join(dir, 'one-person.jpg');
      await sharp(path.join(packageDir('@vladmandic/face-api'), 'demo', 'sample2.jpg'))
        .extract({ left: 1300, top: 40, width: 500, height: 500 })
        .toFile(face);
      // Shared keys: the second instance reads what this one seals.
      settings = await config({ FACEGATE_DATA_KEY: randomBytes(32).toString('base64'), FACEGATE_SECRET: randomBytes(32).toString('hex') });
      app = await createApp(settings);
      // A second instance on the same database, in a process of its own (as deployed; two SQLite apps
      // in one process would block each other's event loop on the file lock).
      second = await startApiProcess({
        DATABASE_URL: settings.DATABASE_URL,
        FACEGATE_DATA_KEY: settings.FACEGATE_DATA_KEY!,
        FACEGATE_SECRET: settings.FACEGATE_SECRET!,
      });
      client = apiClient(app);
      admin = (await app.services.admins.login(ROOT.email, ROOT.password, '192.0.2.1')).token;
      ids.Ann = (await app.services.people.create({ name: 'Ann' })).id;
      faceBytes = new Uint8Array(await readFile(face));
      const vault = await app.services.access.doors.create('Vault');
      ids.vault = vault.id;
      // Two factors every time at the vault; liveness off: a still photo is the test's camera.
      const door = await gql(
        'mutation ($id: ID!) { updateDoor(id: $id, input: { settings: { requirePin: true, liveness: OFF } }) { __typename ... on Error { code } } }',
        { id: vault.id },
      );
      expect(door.data!.updateDoor.__typename).toBe('MutationUpdateDoorSuccess');
      ids.vaultKey = (await app.services.apiKeys.create({ name: 'vault door', scopes: ['verify', 'identify'], doorId: vault.id })).token;
    });
    afterAll(async () => {
      await second?.stop();
      await app?.close();
      await database.drop?.();
      await rm(dir, { recursive: true, force: true });
    });

    /** `name` enrolled with the test's face and a PIN; the face's earlier owner is erased (one person per face: no ambiguity). */
    async function enrolWithPin(name: string, previous?: string): Promise<string> {
      if (previous)
        expect(
          (await gql('mutation ($id: ID!) { deletePerson(id: $id) { __typename } }', { id: previous })).data!.deletePerson.__typename,
        ).toBe('MutationDeletePersonSuccess');
      const person = await app.services.people.create({ name });
      expect((await app.services.people.enroll(person.id, [{ filename: 'a.jpg', bytes: faceBytes }])).enrolled).toHaveLength(1);
      expect(
        (
          await gql('mutation ($p: ID!, $pin: String!) { setPersonPin(personId: $p, pin: $pin) { __typename } }', {
            p: person.id,
            pin: PIN,
          })
        ).data!.setPersonPin.__typename,
      ).toBe('MutationSetPersonPinSuccess');
      return person.id;
    }

    /** A PIN for the attempt, sent to this process's app or (`elsewhere`) to the other instance over HTTP. */
    const complete = async (attemptId: string, elsewhere = false, pin = '9999') => {
      const body = elsewhere
        ? ((await (
            await fetch(second.url, {
              method: 'POST',
              headers: { 'content-type': 'application/json', authorization: `Bearer ${ids.vaultKey}` },
              body: JSON.stringify({ query: COMPLETE, variables: { a: attemptId, pin } }),
            })
          ).json()) as Awaited<ReturnType<typeof gql>>)
        : await gql(COMPLETE, { a: attemptId, pin }, ids.vaultKey);
      expect(body.errors, JSON.stringify(body)).toBeUndefined();
      return body.data!.completeStepUp;
    };

    /** The exact reason of an attempt, as the audit holds it (a door key reads only a coarse one). */
    const reasonOf = async (id: string) => (await app.db.prisma.recognitionEvent.findUniqueOrThrow({ where: { id } })).reason;

    /** A verification at the vault as `personId`: a STEP_UP waiting for the PIN. */
    async function stepUp(personId: string): Promise<string> {
      const { body } = await client.upload(VERIFY, { input: { personId, image: null } }, { 'input.image': face }, ids.vaultKey);
      // A door key reads the coarse reason (step_up); the audit holds why: the vault's PIN.
      expect(body.data!.verifyFace.data, JSON.stringify(body)).toMatchObject({ decision: 'STEP_UP', reason: 'step_up' });
      const attemptId = body.data!.verifyFace.data.attemptId as string;
      expect(await app.db.prisma.recognitionEvent.findUniqueOrThrow({ where: { id: attemptId } })).toMatchObject({
        reason: 'pin_required',
      });
      return attemptId;
    }

    it('deleting a door revokes its keys with it (in the admin log): the key is refused at any other door and with no door', async () => {
      const side = await app.services.access.doors.create('Side door');
      const other = await app.services.access.doors.create('Back door');
      const { key, token } = await app.services.apiKeys.create({ name: 'side door', scopes: ['verify', 'identify'], doorId: side.id });
      const deleted = await gql(
        'mutation ($id: ID!) { deleteDoor(id: $id) { __typename ... on MutationDeleteDoorSuccess { data { id revokedKeys { id name revokedAt door { id } } } } ... on Error { code } } }',
        { id: side.id },
      );
      expect(deleted.data!.deleteDoor.data).toMatchObject({ id: side.id, revokedKeys: [{ id: key.id, name: 'side door', door: null }] });
      expect(deleted.data!.deleteDoor.data.revokedKeys[0].revokedAt).not.toBeNull();
      const keys = (await gql('{ apiKeys { id revokedAt door { id } } }')).data!.apiKeys as { id: string; revokedAt: string | null }[];
      expect(keys.find((k) => k.id === key.id)?.revokedAt).not.toBeNull();

      for (const doorId of [other.id, null]) {
        const { body } = await client.upload(VERIFY, { input: { personId: ids.Ann, doorId, image: null } }, { 'input.image': face }, token);
        expect(body.data?.verifyFace?.__typename ?? body.errors?.[0]?.extensions?.code, JSON.stringify(body)).toMatch(
          /UnauthorizedError|UNAUTHORIZED/,
        );
        const identify = await client.upload(
          'mutation ($i: File!, $d: ID) { identifyFace(image: $i, doorId: $d) { __typename } }',
          { i: null, d: doorId },
          { i: face },
          token,
        );
        expect(identify.body.data?.identifyFace?.__typename ?? identify.body.errors?.[0]?.extensions?.code).toMatch(
          /UnauthorizedError|UNAUTHORIZED/,
        );
      }
      // Each refusal is one audit event, as a revoked key's.
      const refused = await app.db.prisma.recognitionEvent.findMany({ where: { apiKeyId: key.id } });
      expect(refused.map((e) => e.reason)).toEqual(['revoked_key', 'revoked_key', 'revoked_key', 'revoked_key']);
      // The admin log says which keys went with the door.
      const log = (
        await gql('{ adminActions(first: 10) { edges { node { action targetId targetLabel details } } } }')
      ).data!.adminActions.edges.map((e: { node: unknown }) => e.node) as {
        action: string;
        targetId: string;
        targetLabel: string;
        details: string;
      }[];
      const deletion = log.find((a) => a.action === 'deleteDoor' && a.targetId === side.id)!;
      expect(deletion.targetLabel).toBe('Side door');
      expect(JSON.parse(deletion.details).revokedKeys).toEqual([{ id: key.id, name: 'side door', prefix: key.prefix }]);
      expect(log.find((a) => a.action === 'revokeApiKey' && a.targetId === key.id)).toMatchObject({ targetLabel: 'side door' });
    });

    it('introspection is priced: 250 aliased __schema reads are refused at once, even signed in; one full introspection works', async () => {
      const aliased = `{ ${Array.from({ length: 250 }, (_, i) => `s${i}: __schema { types { name fields { name args { name } type { name kind } } } }`).join(' ')} }`;
      expect(aliased.length).toBeGreaterThan(20_000);
      for (const token of [admin, null]) {
        const started = performance.now();
        const response = await app.yoga.fetch('http://facegate.test/graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
          body: JSON.stringify({ query: aliased }),
        });
        const text = await response.text();
        // Refused before it ran: a short typed error, not 250 copies of the schema (no wall-clock assertion:
        // the time is printed, and depends on the machine's load).
        expect(text.length).toBeLessThan(2_000);
        expect(JSON.parse(text).errors[0].extensions.code).toBe(token ? 'QUERY_TOO_COSTLY' : 'UNAUTHORIZED');
        console.info(
          `250 aliased __schema reads (${token ? 'signed in' : 'anonymous'}): refused in ${(performance.now() - started).toFixed(0)} ms`,
        );
      }
      const full = await gql(getIntrospectionQuery());
      expect(full.errors).toBeUndefined();
      expect(full.data!.__schema.types.length).toBeGreaterThan(50);
    });

    it("a door's verification is not held up by anonymous callers flooding introspection", async () => {
      const aliased = JSON.stringify({
        query: `{ ${Array.from({ length: 250 }, (_, i) => `s${i}: __schema { types { name fields { name } } }`).join(' ')} }`,
      });
      const door = async () => {
        const started = performance.now();
        await client.upload('mutation ($i: File!) { identifyFace(image: $i) { __typename } }', { i: null }, { i: face }, ids.vaultKey);
        return performance.now() - started;
      };
      await door();
      const alone = [await door(), await door(), await door()];
      let floodAnswered = 0;
      const flood = Array.from({ length: 40 }, () =>
        Promise.resolve(
          app.yoga.fetch('http://facegate.test/graphql', {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: aliased,
          }),
        ).then(async (r: Response) => {
          const text = await r.text();
          if (text.length < 2_000 && /UNAUTHORIZED/.test(text)) floodAnswered++;
          else console.info(r.status, text.slice(0, 300));
        }),
      );
      const during = [await door(), await door(), await door()];
      await Promise.all(flood);
      expect(floodAnswered).toBe(40);
      console.info(
        `door identification alone: ${alone.map((ms) => ms.toFixed(0)).join(', ')} ms; during 40 anonymous 250-alias __schema reads: ${during.map((ms) => ms.toFixed(0)).join(', ')} ms`,
      );
      expect(median(during)).toBeLessThan(median(alone) + 1_000);
    });

    it('introspection is refused to anonymous callers in production and GraphiQL is not served; in development both are open', async () => {
      const anonymous = await gql('{ __schema { queryType { name } } }', {}, null);
      expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHORIZED');
      expect((await gql('{ __type(name: "Person") { name } }', {}, null)).errors?.[0]?.extensions?.code).toBe('UNAUTHORIZED');
      // Through a fragment, too; __typename stays open.
      expect((await gql('{ ...F } fragment F on Query { __schema { queryType { name } } }', {}, null)).errors?.[0]?.extensions?.code).toBe(
        'UNAUTHORIZED',
      );
      expect((await gql('{ __typename }', {}, null)).data).toEqual({ __typename: 'Query' });
      expect((await gql('{ __schema { queryType { name } } }', {}, ids.vaultKey)).data).toEqual({
        __schema: { queryType: { name: 'Query' } },
      });
      const page = await app.yoga.fetch('http://facegate.test/graphql', { headers: { accept: 'text/html' } });
      expect(await page.text()).not.toMatch(/graphiql/i);

      const dev = await createApp({ ...settings, NODE_ENV: 'development' }, { recognizer: app.recognizer });
      try {
        const devPage = await dev.yoga.fetch('http://facegate.test/graphql', { headers: { accept: 'text/html' } });
        expect(await devPage.text()).toMatch(/graphiql/i);
        expect((await gql('{ __schema { queryType { name } } }', {}, null, apiClient(dev))).data).toEqual({
          __schema: { queryType: { name: 'Query' } },
        });
      } finally {
        await dev.close();
      }
    });

    it('an unknown email costs what a wrong password costs (medians of 20 tries each within 20 %)', async () => {
      const accounts = [];
      for (let i = 0; i < 20; i++)
        accounts.push((await app.services.admins.create(`staff${i}@facegate.test`, `staff password ${i} 4711`, 'viewer')).email);
      const time = async (email: string, address: string) => {
        const started = performance.now();
        const error = await app.services.admins.login(email, 'not the password at all', address).catch((e: unknown) => e);
        expect((error as { code?: string }).code).toBe('LOGIN_FAILED');
        return performance.now() - started;
      };
      // Interleaved, each from its own address and account: no lockout shortens either path. This
      // machine is shared (other processes take the cores at random): up to 5 rounds of 20 each, and one
      // must be within 20 %. Before the dummy hash ran, an unknown email took 1-3 ms against 50-80.
      await time('warm-up@facegate.test', '198.18.3.1');
      const rounds: string[] = [];
      let within = false;
      for (let round = 0; round < 5 && !within; round++) {
        const known: number[] = [];
        const unknown: number[] = [];
        for (let i = 0; i < 20; i++) {
          // Alternating which goes first, so neither always follows the other.
          if (i % 2 === 0) known.push(await time(accounts[i]!, `198.18.1${round}.${i}`));
          unknown.push(await time(`nobody${i}@facegate.test`, `198.18.2${round}.${i}`));
          if (i % 2 === 1) known.push(await time(accounts[i]!, `198.18.1${round}.${i}`));
        }
        const gap = Math.abs(median(unknown) - median(known)) / median(known);
        rounds.push(
          `existing account ${median(known).toFixed(1)} ms, unknown email ${median(unknown).toFixed(1)} ms (${(gap * 100).toFixed(0)} %)`,
        );
        within = gap < 0.2;
      }
      console.info(`sign-in failure, medians of 20: ${rounds.join('; ')}`);
      expect(within, rounds.join('; ')).toBe(true);
    });

    it('the PIN lock holds under parallel calls on two instances: after 9 wrong PINs, 12 at once check at most 1 more', async () => {
      ids.Bea = await enrolWithPin('Bea');
      for (let attempt = 0; attempt < 3; attempt++) {
        const id = await stepUp(ids.Bea!);
        for (let t = 0; t < 3; t++) {
          await gql(COMPLETE, { a: id, pin: '9999' }, ids.vaultKey);
          expect(await reasonOf(id)).toBe(t < 2 ? 'pin_required' : 'pin_failed');
        }
      }
      const attempts = [];
      for (let i = 0; i < 12; i++) attempts.push(await stepUp(ids.Bea!));
      const answers = await Promise.all(attempts.map(async (a, i) => complete(a, i % 2 === 1)));
      // The door key reads coarse reasons; the audit says which tries met the lock.
      const reasons = await Promise.all(attempts.map(reasonOf));
      const checked = reasons.filter((r) => r !== 'pin_locked');
      expect(checked.length, JSON.stringify({ answers, reasons })).toBeLessThanOrEqual(1);
      // The right PIN does not open either, while locked.
      const lockedAttempt = await stepUp(ids.Bea!);
      const locked = await gql(COMPLETE, { a: lockedAttempt, pin: PIN }, ids.vaultKey);
      expect(locked.data!.completeStepUp.data).toMatchObject({ decision: 'REFUSED' });
      expect(await reasonOf(lockedAttempt)).toBe('pin_locked');
    });

    it('the PIN lock holds under parallel calls on two instances: on a fresh person, 30 at once check at most 10', async () => {
      ids.Cid = await enrolWithPin('Cid', ids.Bea);
      const attempts = [];
      for (let i = 0; i < 30; i++) attempts.push(await stepUp(ids.Cid!));
      const answers = await Promise.all(attempts.map(async (a, i) => complete(a, i % 2 === 1)));
      const reasons = await Promise.all(attempts.map(reasonOf));
      const checked = reasons.filter((r) => r !== 'pin_locked');
      // (All 30 may be refused: each counts its try before checking, and may see the others' first.)
      expect(checked.length, JSON.stringify({ answers, reasons })).toBeLessThanOrEqual(10);
      answers.forEach((answer, i) =>
        expect([answer.data, reasons[i]], JSON.stringify(answer)).toMatchObject(
          reasons[i] === 'pin_locked' ? [{ decision: 'REFUSED' }, 'pin_locked'] : [{ decision: 'STEP_UP' }, 'pin_required'],
        ),
      );
      // The tries counted in the audit are the checks plus the refusals: never fewer than were checked.
      const tries = await app.db.prisma.recognitionEvent.aggregate({ _sum: { pinTries: true }, where: { id: { in: attempts } } });
      expect(tries._sum.pinTries).toBe(30);
    });

    it('X-Forwarded-For from the loopback is not believed by default: 23 failed sign-ins with a new address each meet the per-address lock', async () => {
      const server: Server = createServer(app.yoga);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/graphql`;
        const codes = [];
        for (let i = 0; i < 23; i++) {
          const response = await fetch(url, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-forwarded-for': `203.0.113.${i + 1}` },
            body: JSON.stringify({
              query: `mutation { login(email: "guess${i}@facegate.test", password: "whatever it is") { __typename ... on Error { code } } }`,
            }),
          });
          codes.push(((await response.json()) as { data: { login: { code: string } } }).data.login.code);
        }
        expect(codes).toEqual([...Array(20).fill('LOGIN_FAILED'), ...Array(3).fill('RATE_LIMITED')]);
        const log = await app.services.signIn.securityEvents({ first: 100 });
        expect(new Set(log.filter((e) => e.account?.startsWith('guess')).map((e) => e.address))).toEqual(new Set(['127.0.0.1']));
      } finally {
        await new Promise((resolve) => server.close(resolve));
      }
    });

    it('/metrics answers the loopback only when no token is set; with a token, only its bearer', async () => {
      for (const metricsToken of [undefined, 'metrics token 9f2c']) {
        const http = startHttpServer({ host: '127.0.0.1', port: 0, logger: app.logger, metricsToken }, async () => app);
        try {
          const base = `http://127.0.0.1:${await http.listening}`;
          while (!http.app()) await new Promise((resolve) => setTimeout(resolve, 10));
          const plain = await fetch(`${base}/metrics`);
          expect(plain.status).toBe(metricsToken ? 401 : 200);
          if (metricsToken)
            expect((await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${metricsToken}` } })).status).toBe(200);
        } finally {
          await new Promise((resolve) => http.server.close(resolve));
        }
      }
    });

    it('names with control characters are refused with INVALID_INPUT, and nothing is stored', async () => {
      const before = await app.db.prisma.person.count();
      for (const name of ['Eve\u0000Mallory', 'Eve\u001b[31m', 'Eve\nAdmin']) {
        // Refused before the resolver runs: the code comes as the typed result or as the error's code.
        const refusal = async (query: string, variables: Record<string, unknown>) => {
          const body = await gql(query, variables);
          return body.errors?.[0]?.extensions?.code ?? Object.values(body.data ?? {})[0]?.code;
        };
        expect(
          await refusal('mutation ($n: String!) { createPerson(input: { name: $n }) { __typename ... on Error { code } } }', { n: name }),
        ).toBe('INVALID_INPUT');
        expect(await refusal('mutation ($n: String!) { createDoor(name: $n) { __typename ... on Error { code } } }', { n: name })).toBe(
          'INVALID_INPUT',
        );
        expect(
          await refusal('mutation ($n: String!) { createApiKey(name: $n, scopes: [VERIFY]) { __typename ... on Error { code } } }', {
            n: name,
          }),
        ).toBe('INVALID_INPUT');
        expect(
          await refusal(
            'mutation ($id: ID!, $n: String!) { updatePerson(id: $id, input: { name: $n }) { __typename ... on Error { code } } }',
            { id: ids.Ann, n: name },
          ),
        ).toBe('INVALID_INPUT');
        expect(
          await refusal('mutation ($n: String!) { createAccessGroup(name: $n) { __typename ... on Error { code } } }', { n: name }),
        ).toBe('INVALID_INPUT');
        // The bulk import names people from folders: the service refuses too.
        await expect(app.services.people.importPerson(name, [])).rejects.toMatchObject({ code: 'INVALID_INPUT' });
      }
      expect(await app.db.prisma.person.count()).toBe(before);
      expect(await app.db.prisma.door.count({ where: { name: { startsWith: 'Eve' } } })).toBe(0);
      expect(await app.db.prisma.apiKey.count({ where: { name: { startsWith: 'Eve' } } })).toBe(0);
      expect((await app.db.prisma.person.findUnique({ where: { id: ids.Ann } }))?.name).toBe('Ann');
      // Line breaks stay allowed in free text.
      expect(
        (
          await gql('mutation ($id: ID!) { updatePerson(id: $id, input: { notes: "line one\\nline two" }) { __typename } }', {
            id: ids.Ann,
          })
        ).data!.updatePerson.__typename,
      ).toBe('MutationUpdatePersonSuccess');
    });

    it("a stolen session alone cannot create an administrator or end another's sessions: the current password is asked again", async () => {
      const CREATE =
        'mutation ($c: String!) { createAdmin(email: "mallory@facegate.test", password: "plum orbit velvet 42", role: ADMIN, currentPassword: $c) { __typename ... on Error { code } } }';
      expect((await gql(CREATE, { c: 'a guess' })).data!.createAdmin).toMatchObject({
        __typename: 'LoginFailedError',
        code: 'LOGIN_FAILED',
      });
      const adminKey = (await app.services.apiKeys.create({ name: 'automation', scopes: ['admin'] })).token;
      expect((await gql(CREATE, { c: ROOT.password }, adminKey)).data!.createAdmin).toMatchObject({ code: 'UNAUTHORIZED' });
      expect((await app.services.admins.list()).map((a) => a.email)).not.toContain('mallory@facegate.test');

      const dana = await app.services.admins.create('dana@facegate.test', 'dana password 4711', 'admin');
      const danaToken = (await app.services.admins.login('dana@facegate.test', 'dana password 4711', '192.0.2.30')).token;
      const REVOKE =
        'mutation ($id: ID!, $c: String) { revokeSessions(adminId: $id, currentPassword: $c) { __typename ... on MutationRevokeSessionsSuccess { data } ... on Error { code } } }';
      expect((await gql(REVOKE, { id: dana.id, c: null })).data!.revokeSessions).toMatchObject({ code: 'LOGIN_FAILED' });
      expect((await gql(REVOKE, { id: dana.id, c: 'a guess' })).data!.revokeSessions).toMatchObject({ code: 'LOGIN_FAILED' });
      expect((await gql(REVOKE, { id: dana.id, c: ROOT.password }, adminKey)).data!.revokeSessions).toMatchObject({ code: 'UNAUTHORIZED' });
      expect((await gql('{ me { kind } }', {}, danaToken)).data!.me).toEqual({ kind: 'admin' });
      // With the password it works; one's own sessions need none.
      expect((await gql(REVOKE, { id: dana.id, c: ROOT.password })).data!.revokeSessions).toMatchObject({ data: 1 });
      expect((await gql('{ me { kind } }', {}, danaToken)).data!.me).toBeNull();
      const again = (await app.services.admins.login('dana@facegate.test', 'dana password 4711', '192.0.2.30')).token;
      expect((await gql(REVOKE, { id: dana.id, c: null }, again)).data!.revokeSessions).toMatchObject({ data: 1 });
      expect((await gql(CREATE, { c: ROOT.password })).data!.createAdmin.__typename).toBe('MutationCreateAdminSuccess');
    });
  });
}
