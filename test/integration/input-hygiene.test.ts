// Bounded work and clean answers: oversized strings are refused before they are stored, expensive
// queries are refused before they run, and no internal message (JSON parser, libvips) reaches callers.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '@facegate/api/app';
import { loadConfig } from '@facegate/api/config';
import { apiClient } from './api-client.ts';
import { databases } from './databases.ts';

const ROOT = { email: 'root@facegate.test', password: 'root password 123' };

for (const database of databases()) {
  describe.skipIf(database.skip)(`input hygiene and query cost, on ${database.name}${database.skip ? ` (${database.skip})` : ''}`, () => {
    let app: App;
    let dir: string;
    let client: ReturnType<typeof apiClient>;
    let admin: string;
    let doorKey: string;

    beforeAll(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'facegate-hygiene-'));
      app = await createApp(
        loadConfig({
          DATABASE_URL: await database.url(dir),
          FACEGATE_ADMIN_EMAIL: ROOT.email,
          FACEGATE_ADMIN_PASSWORD: ROOT.password,
          FACEGATE_RECOGNIZER_THREADS: '1',
        }),
      );
      // The tests send photo files, not camera frames: liveness off, as the README says such a door sets it.
      await app.services.updateSettings({ liveness: 'off' });
      client = apiClient(app);
      admin = (await app.services.admins.login(ROOT.email, ROOT.password)).token;
      const door = await app.services.access.doors.create('Lobby');
      doorKey = (await app.services.apiKeys.create({ name: 'lobby', scopes: ['verify', 'identify'], doorId: door.id })).token;
      await app.services.people.create({ name: 'Ann', cardId: '7' });
    });
    afterAll(async () => {
      await app?.close();
      await database.drop?.();
      await rm(dir, { recursive: true, force: true });
    });

    it('refuses every over-long string with INVALID_INPUT, and stores nothing', async () => {
      const long = (n: number) => 'x'.repeat(n);
      const cases: [string, Record<string, unknown>][] = [
        ['mutation ($v: String!) { createPerson(input: { name: $v }) { __typename ... on Error { code } } }', { v: long(900_000) }],
        [
          'mutation ($v: String!) { createPerson(input: { name: "Bob", notes: $v }) { __typename ... on Error { code } } }',
          { v: long(2001) },
        ],
        [
          'mutation ($v: String!) { createPerson(input: { name: "Bob", cardId: $v }) { __typename ... on Error { code } } }',
          { v: long(65) },
        ],
        ['mutation ($v: String!) { createDoor(name: $v) { __typename ... on Error { code } } }', { v: long(201) }],
        ['mutation ($v: String!) { createDoor(name: "Door", location: $v) { __typename ... on Error { code } } }', { v: long(201) }],
        ['mutation ($v: String!) { createApiKey(name: $v, scopes: [VERIFY]) { __typename ... on Error { code } } }', { v: long(257) }],
        ['mutation ($v: String!) { login(email: $v, password: "x") { __typename ... on Error { code } } }', { v: long(255) }],
        ['mutation ($v: String!) { login(email: "a@b.test", password: $v) { __typename ... on Error { code } } }', { v: long(100_000) }],
        ['query ($v: String!) { people(search: $v) { totalCount } }', { v: long(201) }],
      ];
      for (const [query, variables] of cases) {
        const { body } = await client.gql(query, variables, admin);
        const code = body.errors?.[0]?.extensions?.code ?? Object.values(body.data ?? {})[0]?.code;
        expect(code, query).toBe('INVALID_INPUT');
      }
      expect((await app.services.people.list(undefined, 0, 100)).map((p) => p.name)).toEqual(['Ann']);
      expect((await app.services.access.doors.list()).map((d) => d.name)).toEqual(['Lobby']);
    });

    it('a door cannot store a 900,000-character claimed name in the audit log', async () => {
      const before = await app.services.audit.count({});
      const photo = {
        name: 'p.jpg',
        bytes: new Uint8Array(
          await sharp({ create: { width: 64, height: 64, channels: 3, background: '#888' } })
            .jpeg()
            .toBuffer(),
        ),
      };
      const { body } = await client.upload(
        'mutation ($input: VerifyFaceInput!) { verifyFace(input: $input) { __typename ... on Error { code } } }',
        { input: { name: 'y'.repeat(900_000), image: null } },
        { 'input.image': photo },
        doorKey,
      );
      expect(body.errors?.[0]?.extensions?.code ?? body.data?.verifyFace?.code).toBe('INVALID_INPUT');
      const events = await app.db.prisma.recognitionEvent.findMany({ where: { claimedLabel: { startsWith: 'yyyy' } } });
      expect(events).toEqual([]);
      expect(await app.services.audit.count({})).toBeLessThanOrEqual(before + 1);
    });

    it('malformed JSON is refused without echoing the body or the parser message', async () => {
      const response = await app.yoga.fetch('http://facegate.test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"query": "{ me { kind } }", "secret-looking": ',
      });
      const text = await response.text();
      expect(response.status).toBe(400);
      expect(text).toContain('POST body sent invalid JSON.');
      expect(text).not.toContain('originalError');
      expect(text).not.toContain('secret-looking');
      expect(text).not.toMatch(/SyntaxError|position/);
    });

    it('a broken photo is INVALID_IMAGE in our words, never libvips', async () => {
      const jpeg = await sharp({ create: { width: 300, height: 300, channels: 3, background: '#888' } })
        .jpeg()
        .toBuffer();
      const broken = { name: 'broken.jpg', bytes: new Uint8Array(Buffer.concat([jpeg.subarray(0, 400), Buffer.alloc(3000, 9)])) };
      const { body } = await client.upload(
        'mutation ($image: File!) { identifyFace(image: $image) { __typename ... on Error { code message } } }',
        { image: null },
        { image: broken },
        doorKey,
      );
      expect(body.data!.identifyFace.code).toBe('INVALID_IMAGE');
      expect(body.data!.identifyFace.message).not.toMatch(/vips|libjpeg|premature|Input buffer|sharp/i);
    });

    it('999 aliases of stats are refused before they run; a page of 500 audit events with thumbnails is allowed', async () => {
      const aliases = `{ ${Array.from({ length: 999 }, (_, i) => `s${i}: stats { day accepted }`).join(' ')} }`;
      const started = performance.now();
      const refused = await client.gql(aliases, {}, admin);
      const ms = performance.now() - started;
      expect(refused.body.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COSTLY');
      expect(refused.body.data).toBeUndefined();
      console.info(`999 stats aliases refused in ${ms.toFixed(0)} ms`);
      const page = await client.gql(
        '{ recognitionEvents(first: 500) { totalCount edges { node { id createdAt kind decision reason distance threshold claimedLabel decidedLabel thumbnail door { id name } } } } }',
        {},
        admin,
      );
      expect(page.body.errors ?? []).toEqual([]);
      // A variable for `first` is counted too.
      const viaVariable = await client.gql(
        'query ($n: Int) { a: stats { day } b: stats { day } recognitionEvents(first: $n) { edges { node { thumbnail door { name } } } } }',
        { n: 500 },
        admin,
      );
      expect(viaVariable.body.errors ?? []).toEqual([]);
      const tooMany = await client.gql(
        `query ($n: Int) { ${Array.from({ length: 10 }, (_, i) => `e${i}: recognitionEvents(first: $n) { edges { node { thumbnail door { name } } } }`).join(' ')} }`,
        { n: 500 },
        admin,
      );
      expect(tooMany.body.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COSTLY');
    });
  });
}
