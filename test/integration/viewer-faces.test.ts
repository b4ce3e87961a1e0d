import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { facesDir, hasFaces } from '@facegate/face-core';
import { createApp, type App } from '@facegate/api/app';
import { loadConfig } from '@facegate/api/config';
import { hashPassword, loadMigrations, migratePostgres, migrateSqlite, parseDatabaseUrl } from '@facegate/api/db';
import pg from 'pg';
import Database from 'better-sqlite3';
import { apiClient } from './api-client.ts';
import { databases } from './databases.ts';

// Issue 25, item 8: whether a viewer sees face images follows faces:read, a grant an administrator sets
// per account (off for a new viewer, kept on by the migration for accounts that existed before it),
// checked on every field that returns a face image, and logged.
const seed = path.join(facesDir(), 'seed');
const ADMIN = { email: 'admin@facegate.test', password: 'correct horse battery' };
const OLD_VIEWER = { email: 'old.viewer@facegate.test', password: 'viewer password 1' };
const NEW_VIEWER = { email: 'new.viewer@facegate.test', password: 'viewer password 2' };
/** The migration that brought the grant: the database is first built up to the one before it. */
const GRANT_MIGRATION = 'viewer_faces_read';

// Every field that returns a face image: a person's list thumbnail, a sample's aligned face and its
// enrolment photo, the face seen at a door (in the log and in a person's history), the faces refused at the doors.
const IMAGES = `query ($id: ID!) {
  people { edges { node { name thumbnail } } }
  person(id: $id) { thumbnail samples { thumbnail original photo { faces { used } } } }
  recognitionEvents(first: 20) { edges { node { id thumbnail } } }
  history: recognitionEvents(filter: { personId: $id }, first: 20) { edges { node { id thumbnail } } }
}`;
const SAMPLE_IMAGES = `query ($id: ID!) { person(id: $id) { samples { thumbnail } } }`;
const ORIGINALS = `query ($id: ID!) { person(id: $id) { samples { original } } }`;
const DOOR_FACES = `{ doorFaces(last: 20) { considered groups { faces { event { thumbnail } } } } }`;
const IDENTIFY = `mutation ($image: File) { identifyFace(image: $image) { __typename ... on MutationIdentifyFaceSuccess { data { decision } } ... on Error { code } } }`;
const SET = `mutation ($id: ID!, $on: Boolean!) { setViewerFacesRead(id: $id, facesRead: $on) { __typename
  ... on MutationSetViewerFacesReadSuccess { data { email facesRead } } ... on Error { code message } } }`;
const CREATE = `mutation ($e: String!, $p: String!, $c: String!) { createAdmin(email: $e, password: $p, role: VIEWER, currentPassword: $c) { __typename
  ... on MutationCreateAdminSuccess { data { id facesRead } } } }`;

/** Builds the database as it was before the grant existed, with an administrator and a viewer in it. */
async function databaseBeforeTheGrant(url: string): Promise<void> {
  const target = parseDatabaseUrl(url);
  const before = (provider: 'sqlite' | 'postgresql') => loadMigrations(provider).filter((m) => !m.name.endsWith(GRANT_MIGRATION));
  const rows = [
    ['admin-1', ADMIN.email, await hashPassword(ADMIN.password), 'admin'],
    ['viewer-1', OLD_VIEWER.email, await hashPassword(OLD_VIEWER.password), 'viewer'],
  ];
  const insert = `INSERT INTO "Admin" ("id", "email", "passwordHash", "role", "updatedAt") VALUES ($1, $2, $3, $4, CURRENT_TIMESTAMP)`;
  if (target.provider === 'sqlite') {
    migrateSqlite(target.filename, before('sqlite'));
    const db = new Database(target.filename);
    for (const row of rows) db.prepare(insert.replace(/\$\d/g, '?')).run(...row);
    db.close();
  } else {
    await migratePostgres(target, before('postgresql'));
    const client = new pg.Client({ connectionString: target.connectionString, options: `-c search_path=${target.schema}` });
    await client.connect();
    for (const row of rows) await client.query(insert, row);
    await client.end();
  }
}

for (const database of databases()) {
  describe.skipIf(!hasFaces('seed') || database.skip)(
    `viewers' face images follow faces:read on ${database.name}${database.skip ? ` (${database.skip})` : ''} (needs ${seed})`,
    () => {
      let app: App;
      let dir: string;
      let client: ReturnType<typeof apiClient>;
      let admin: string;
      let younes: string;
      let newViewerId: string;
      const gql = async (query: string, variables: Record<string, unknown>, token: string) =>
        (await client.gql(query, variables, token)).body;

      beforeAll(async () => {
        dir = await mkdtemp(path.join(tmpdir(), 'facegate-viewer-faces-'));
        const url = await database.url(dir);
        await databaseBeforeTheGrant(url);
        app = await createApp(loadConfig({ DATABASE_URL: url, FACEGATE_RECOGNIZER_THREADS: '1' }));
        await app.services.updateSettings({ liveness: 'off' });
        client = apiClient(app);
        admin = await client.login(ADMIN.email, ADMIN.password);
        younes = (await app.services.people.create({ name: 'younes' })).id;
        const { enrolled } = await app.services.people.enroll(younes, [
          { filename: 'younes.jpg', bytes: new Uint8Array(await readFile(path.join(seed, 'younes.jpg'))) },
        ]);
        expect(enrolled).toHaveLength(1);
        // Two attempts with their face kept: younes let in, a stranger refused.
        for (const file of ['camera_0.jpg', 'kevin.jpg']) {
          const answer = await client.upload(IDENTIFY, { image: null }, { image: path.join(seed, file) }, admin);
          expect(answer.body.data!.identifyFace.__typename).toBe('MutationIdentifyFaceSuccess');
        }
        const created = await gql(CREATE, { e: NEW_VIEWER.email, p: NEW_VIEWER.password, c: ADMIN.password }, admin);
        expect(created.data!.createAdmin.data.facesRead).toBe(false);
        newViewerId = created.data!.createAdmin.data.id;
      }, 180_000);
      afterAll(async () => {
        await app?.close();
        await database.drop?.();
        await rm(dir, { recursive: true, force: true });
      });

      /** Every image field as a viewer reads them; none refuses the whole page. */
      async function imagesSeenBy(token: string) {
        const body = await gql(IMAGES, { id: younes }, token);
        const images = JSON.stringify(body).match(/data:image\/jpeg/g)?.length ?? 0;
        return { body, images };
      }

      it('a viewer who existed before the upgrade still sees every face image; a new viewer sees none, in any field', async () => {
        const old = await client.login(OLD_VIEWER.email, OLD_VIEWER.password);
        const seen = await imagesSeenBy(old);
        expect(seen.body.errors).toBeUndefined();
        // The people list, the person, the sample's face and photo, each attempt twice (log and history).
        expect(seen.body.data!.person.samples[0].thumbnail).toMatch(/^data:image\/jpeg/);
        expect(seen.body.data!.person.samples[0].original).toMatch(/^data:image\/jpeg/);
        expect(
          seen.body.data!.recognitionEvents.edges.every((e: { node: { thumbnail: string } }) => e.node.thumbnail?.startsWith('data:')),
        ).toBe(true);
        expect((await gql(DOOR_FACES, {}, old)).errors).toBeUndefined();
        expect((await gql('{ me { scopes } }', {}, old)).data!.me.scopes).toContain('faces:read');

        const fresh = await client.login(NEW_VIEWER.email, NEW_VIEWER.password);
        expect((await gql('{ me { scopes } }', {}, fresh)).data!.me.scopes).toEqual(['people:read', 'audit:read']);
        // Lists answer null where the face was; the register and the log themselves are still theirs.
        const lists = await gql(
          `query ($id: ID!) { people { edges { node { name thumbnail } } } person(id: $id) { name thumbnail samples { photo { faces { used } } } }
            recognitionEvents(first: 20) { edges { node { decision thumbnail } } } history: recognitionEvents(filter: { personId: $id }) { edges { node { thumbnail } } } }`,
          { id: younes },
          fresh,
        );
        expect(lists.errors).toBeUndefined();
        expect(lists.data!.people.edges).toEqual([{ node: { name: 'younes', thumbnail: null } }]);
        expect(lists.data!.person).toMatchObject({ name: 'younes', thumbnail: null });
        expect(lists.data!.recognitionEvents.edges).toHaveLength(2);
        expect(JSON.stringify(lists)).not.toMatch(/data:image/);
        // A sample's face, its enrolment photo and the faces refused at the doors are refused outright.
        for (const query of [SAMPLE_IMAGES, ORIGINALS, DOOR_FACES]) {
          const refused = await gql(query, { id: younes }, fresh);
          expect(refused.errors?.[0]?.extensions?.code, query).toBe('UNAUTHORIZED');
          expect(JSON.stringify(refused), query).not.toMatch(/data:image/);
        }
      });

      it('an administrator turns a viewer’s face images on and off; it takes effect at once and is in the admin log', async () => {
        const fresh = await client.login(NEW_VIEWER.email, NEW_VIEWER.password);
        const on = await gql(SET, { id: newViewerId, on: true }, admin);
        expect(on.data!.setViewerFacesRead).toMatchObject({ data: { email: NEW_VIEWER.email, facesRead: true } });
        // The same session: the grant is read at each request.
        const seen = await imagesSeenBy(fresh);
        expect(seen.body.errors).toBeUndefined();
        expect(seen.images).toBeGreaterThanOrEqual(1 + 1 + 2 + 2 + 1);
        expect((await gql(DOOR_FACES, {}, fresh)).errors).toBeUndefined();

        const off = await gql(SET, { id: newViewerId, on: false }, admin);
        expect(off.data!.setViewerFacesRead.data.facesRead).toBe(false);
        expect(JSON.stringify(await gql(SAMPLE_IMAGES, { id: younes }, fresh))).not.toMatch(/data:image/);

        // A viewer cannot grant themself; an administrator always sees faces (no grant to withdraw).
        const self = await gql(SET, { id: newViewerId, on: true }, fresh);
        expect(self.errors?.[0]?.extensions?.code ?? self.data?.setViewerFacesRead?.code).toBe('UNAUTHORIZED');
        const adminId = (await gql('{ me { id } }', {}, admin)).data!.me.id;
        expect((await gql(SET, { id: adminId, on: false }, admin)).data!.setViewerFacesRead).toMatchObject({ code: 'INVALID_INPUT' });

        const log = await gql(
          `{ adminActions(action: "setViewerFacesRead") { edges { node { actorLabel targetLabel details } } } }`,
          {},
          admin,
        );
        expect(
          log.data!.adminActions.edges.map((e: { node: { actorLabel: string; targetLabel: string; details: string } }) => ({
            ...e.node,
            details: JSON.parse(e.node.details),
          })),
        ).toEqual([
          {
            actorLabel: ADMIN.email,
            targetLabel: NEW_VIEWER.email,
            details: { changes: { facesRead: { before: true, after: false } } },
          },
          {
            actorLabel: ADMIN.email,
            targetLabel: NEW_VIEWER.email,
            details: { changes: { facesRead: { before: false, after: true } } },
          },
        ]);
        const created = await gql(`{ adminActions(action: "createAdmin") { edges { node { details } } } }`, {}, admin);
        expect(JSON.parse(created.data!.adminActions.edges[0].node.details)).toEqual({ role: 'viewer', facesRead: false });
      });
    },
  );
}
