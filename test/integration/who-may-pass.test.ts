import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { facesDir, hasFaces } from '@facegate/face-core';
import { createApp, type App } from '@facegate/api/app';
import { loadConfig } from '@facegate/api/config';
import { apiClient } from './api-client.ts';
import { databases } from './databases.ts';

// Issue 25, access: group members added and removed several at a time (addGroupMembers and
// removeGroupMembers, administrators only, all or nothing), and "who may pass this door now"
// (whoMayPass), whose answer must be what a door attempt decides for the same person at the same time.
const seed = path.join(facesDir(), 'seed');
const ADMIN = { email: 'admin@facegate.test', password: 'correct horse battery' };
const VIEWER = { email: 'viewer@facegate.test', password: 'viewer password 1' };

const MEMBERS = `mutation ($g: ID!, $p: [ID!]!) { addGroupMembers(groupId: $g, personIds: $p) { __typename
  ... on MutationAddGroupMembersSuccess { data { members { name } } } ... on Error { code message } } }`;
const REMOVE = `mutation ($g: ID!, $p: [ID!]!) { removeGroupMembers(groupId: $g, personIds: $p) { __typename
  ... on MutationRemoveGroupMembersSuccess { data { members { name } } } ... on Error { code message } } }`;
const WHO = `query ($d: ID!, $at: DateTime) { whoMayPass(doorId: $d, at: $at) { at timeZone door { name }
  allowed { person { id name } verdict { allowed reason via { kind group schedule validUntil everyDoor } } }
  refused { person { id name } verdict { allowed reason nextAllowedAt schedules { group schedule specialDay } } } } }`;
const VERIFY = `mutation ($input: VerifyFaceInput!) { verifyFace(input: $input) { __typename
  ... on MutationVerifyFaceSuccess { data { decision attemptId } } ... on Error { code message } } }`;

type Passer = { person: { id: string; name: string }; verdict: { allowed: boolean; reason: string | null } & Record<string, unknown> };

for (const database of databases()) {
  describe.skipIf(!hasFaces('seed') || database.skip)(
    `who may pass a door, and group members in bulk, on ${database.name}${database.skip ? ` (${database.skip})` : ''} (needs ${seed})`,
    () => {
      let app: App;
      let dir: string;
      let admin: string;
      let viewer: string;
      let doorKey: string;
      let client: ReturnType<typeof apiClient>;
      let clock = new Date('2026-12-02T08:00:00Z');
      const ids: Record<string, string> = {};
      let lab: string;
      let staff: string;

      const gql = async (query: string, variables: Record<string, unknown> = {}, token = admin) => {
        const { body } = await client.gql(query, variables, token);
        expect(body.errors).toBeUndefined();
        return body.data!;
      };
      const members = async () =>
        ((await gql(`{ accessGroups { id members { name } } }`)).accessGroups as { id: string; members: { name: string }[] }[])
          .find((g) => g.id === staff)!
          .members.map((m) => m.name);
      const who = async (at: string | null) => (await gql(WHO, { d: lab, at })).whoMayPass;
      const byName = (list: Passer[]) => Object.fromEntries(list.map((p) => [p.person.name, p.verdict]));
      /** A real attempt at the lab's door: its decision and the policy's reason, as the audit records them. */
      const attempt = async (name: string, photo: string) => {
        const answer = (await client.upload(VERIFY, { input: { name, image: null } }, { 'input.image': path.join(seed, photo) }, doorKey))
          .body.data!.verifyFace;
        expect(answer.__typename).toBe('MutationVerifyFaceSuccess');
        const row = await app.db.prisma.recognitionEvent.findUniqueOrThrow({ where: { id: answer.data.attemptId } });
        return { allowed: row.decision === 'accepted', reason: row.decision === 'accepted' ? null : row.reason };
      };

      beforeAll(async () => {
        dir = await mkdtemp(path.join(tmpdir(), 'facegate-who-'));
        app = await createApp(
          loadConfig({
            DATABASE_URL: await database.url(dir),
            FACEGATE_ADMIN_EMAIL: ADMIN.email,
            FACEGATE_ADMIN_PASSWORD: ADMIN.password,
            FACEGATE_RECOGNIZER_THREADS: '2',
          }),
          { now: () => clock },
        );
        // Photo files, not camera frames: liveness off, as the README says such a door sets it.
        await app.services.updateSettings({ liveness: 'off' });
        client = apiClient(app);
        admin = await client.login(ADMIN.email, ADMIN.password);
        await app.services.admins.create(VIEWER.email, VIEWER.password, 'viewer');
        viewer = await client.login(VIEWER.email, VIEWER.password);
        for (const name of ['younes', 'bertrand', 'kian', 'dan']) {
          ids[name] = (
            await gql(
              `mutation ($n: String!) { createPerson(input: { name: $n }) { ... on MutationCreatePersonSuccess { data { id } } } }`,
              { n: name },
            )
          ).createPerson.data.id;
        }
        for (const name of ['younes', 'bertrand']) {
          const enrolled = await client.upload(
            `mutation ($id: ID!, $images: [File!]!) { enrollFaces(personId: $id, images: $images) { ... on MutationEnrollFacesSuccess { data { rejected { code } } } } }`,
            { id: ids[name], images: [null] },
            { 'images.0': path.join(seed, `${name}.jpg`) },
            admin,
          );
          expect(enrolled.body.data!.enrollFaces.data.rejected).toEqual([]);
        }
        await gql(`mutation ($id: ID!) { updatePerson(id: $id, input: { active: false }) { __typename } }`, { id: ids.dan });
        lab = (await gql(`mutation { createDoor(name: "Lab") { ... on MutationCreateDoorSuccess { data { id } } } }`)).createDoor.data.id;
        doorKey = (
          await gql(
            `mutation ($d: ID) { createApiKey(name: "lab door", scopes: [VERIFY, IDENTIFY], doorId: $d) { ... on MutationCreateApiKeySuccess { data { token } } } }`,
            { d: lab },
          )
        ).createApiKey.data.token;
        await gql(`mutation ($id: ID!) { updateDoor(id: $id, input: { timeZone: "Europe/Paris", access: GROUPS }) { __typename } }`, {
          id: lab,
        });
        const hours = (
          await gql(
            `mutation { saveSchedule(input: { name: "office hours", windows: [{ days: [1, 2, 3, 4, 5], from: "08:00", to: "19:00" }] }) { ... on MutationSaveScheduleSuccess { data { id } } } }`,
          )
        ).saveSchedule.data.id;
        staff = (await gql(`mutation { createAccessGroup(name: "staff") { ... on MutationCreateAccessGroupSuccess { data { id } } } }`))
          .createAccessGroup.data.id;
        await gql(`mutation ($g: ID!, $d: ID!, $s: ID) { allowGroupAtDoor(groupId: $g, doorId: $d, scheduleId: $s) { __typename } }`, {
          g: staff,
          d: lab,
          s: hours,
        });
        // bertrand is a visitor: a pass for the lab from Wednesday 09:00 to Friday 18:00 in Paris.
        await gql(
          `mutation ($p: ID!, $d: [ID!]) { issueVisitorPass(personId: $p, validFrom: "2026-12-02T08:00:00Z", validUntil: "2026-12-04T17:00:00Z", doorIds: $d) { __typename } }`,
          { p: ids.bertrand, d: [lab] },
        );
      }, 600_000);
      afterAll(async () => {
        await app?.close();
        await database.drop?.();
        await rm(dir, { recursive: true, force: true });
      });

      it('adds several people to a group in one action, all or nothing, administrators only, each addition in the admin log', async () => {
        const added = await gql(MEMBERS, { g: staff, p: [ids.younes, ids.kian, ids.younes] });
        expect(added.addGroupMembers.data.members.map((m: { name: string }) => m.name)).toEqual(['kian', 'younes']);

        // An unknown id among known ones: a typed error naming it, and nobody added.
        const unknown = await gql(MEMBERS, { g: staff, p: [ids.bertrand, 'no-such-person', ids.dan] });
        expect(unknown.addGroupMembers).toMatchObject({ __typename: 'NotFoundError', code: 'NOT_FOUND' });
        expect(unknown.addGroupMembers.message).toContain('no-such-person');
        expect(await members()).toEqual(['kian', 'younes']);
        const noGroup = await gql(MEMBERS, { g: 'no-such-group', p: [ids.bertrand] });
        expect(noGroup.addGroupMembers.code).toBe('NOT_FOUND');

        // A viewer and a door key are refused the mutations, and change nothing.
        for (const token of [viewer, doorKey]) {
          for (const mutation of [MEMBERS, REMOVE]) {
            const { body } = await client.gql(mutation, { g: staff, p: [ids.bertrand, ids.younes] }, token);
            const field = body.data?.addGroupMembers ?? body.data?.removeGroupMembers;
            expect(field?.code ?? body.errors?.[0]?.extensions?.code).toBe('UNAUTHORIZED');
          }
        }
        expect(await members()).toEqual(['kian', 'younes']);

        const log = (
          await gql(`{ adminActions(first: 50, action: "addGroupMembers") { edges { node { targetLabel details } } } }`)
        ).adminActions.edges.map((e: { node: { targetLabel: string; details: string } }) => e.node);
        expect(log.map((a: { targetLabel: string }) => a.targetLabel).sort()).toEqual(['kian', 'younes']);
        expect(JSON.parse(log[0].details)).toMatchObject({ groupId: staff, group: 'staff' });
      });

      it("lists who may pass the door now and then, with the rule that lets each in and each refusal's reason", async () => {
        clock = new Date('2026-12-02T08:00:00Z'); // Wednesday 09:00 in Paris
        const now = await who(null);
        expect(now).toMatchObject({ at: clock.toISOString(), timeZone: 'Europe/Paris', door: { name: 'Lab' } });
        expect(byName(now.allowed)).toEqual({
          bertrand: {
            allowed: true,
            reason: null,
            via: [{ kind: 'pass', group: null, schedule: null, validUntil: '2026-12-04T17:00:00.000Z', everyDoor: false }],
          },
          kian: {
            allowed: true,
            reason: null,
            via: [{ kind: 'group', group: 'staff', schedule: 'office hours', validUntil: null, everyDoor: null }],
          },
          younes: {
            allowed: true,
            reason: null,
            via: [{ kind: 'group', group: 'staff', schedule: 'office hours', validUntil: null, everyDoor: null }],
          },
        });
        expect(byName(now.refused)).toEqual({
          dan: { allowed: false, reason: 'inactive', nextAllowedAt: null, schedules: [] },
        });

        // Tuesday 23:00 in Paris: the staff are outside their schedule until Wednesday 08:00; the visitor's pass starts at 09:00.
        const night = await who('2026-12-01T22:00:00Z');
        expect(now.allowed).toHaveLength(3);
        expect(night.allowed).toEqual([]);
        expect(byName(night.refused)).toEqual({
          bertrand: { allowed: false, reason: 'pass_not_yet_valid', nextAllowedAt: '2026-12-02T08:00:00.000Z', schedules: [] },
          dan: { allowed: false, reason: 'inactive', nextAllowedAt: null, schedules: [] },
          kian: {
            allowed: false,
            reason: 'outside_schedule',
            nextAllowedAt: '2026-12-02T07:00:00.000Z',
            schedules: [{ group: 'staff', schedule: 'office hours', specialDay: null }],
          },
          younes: {
            allowed: false,
            reason: 'outside_schedule',
            nextAllowedAt: '2026-12-02T07:00:00.000Z',
            schedules: [{ group: 'staff', schedule: 'office hours', specialDay: null }],
          },
        });

        const missing = await client.gql(WHO, { d: 'no-such-door', at: null }, admin);
        expect(missing.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      });

      it('agrees with what a real attempt at the door decides for the same person at the same time', async () => {
        const verdicts = async (at: Date) => {
          clock = at;
          const list = await who(null);
          return byName([...list.allowed, ...list.refused]);
        };
        for (const at of ['2026-12-02T08:00:00Z', '2026-12-01T22:00:00Z', '2026-12-05T09:00:00Z']) {
          const listed = await verdicts(new Date(at));
          for (const [name, photo] of [
            ['younes', 'camera_0.jpg'],
            ['bertrand', 'camera_1.jpg'],
          ] as const) {
            expect(await attempt(name, photo), `${name} at ${at}`).toEqual({
              allowed: listed[name]!.allowed,
              reason: listed[name]!.reason,
            });
          }
        }
        // Removing several at once: the list and the door agree that the staff are out.
        const removed = await gql(REMOVE, { g: staff, p: [ids.younes, ids.kian] });
        expect(removed.removeGroupMembers.data.members).toEqual([]);
        const listed = await verdicts(new Date('2026-12-02T08:00:00Z'));
        expect(listed.younes).toMatchObject({ allowed: false, reason: 'not_allowed_here' });
        expect(listed.kian).toMatchObject({ allowed: false, reason: 'not_allowed_here' });
        expect(await attempt('younes', 'camera_0.jpg')).toEqual({ allowed: false, reason: 'not_allowed_here' });
      });

      it('is read by administrators and viewers (people:read), refused to door keys and to anonymous callers', async () => {
        const asViewer = await client.gql(WHO, { d: lab, at: '2026-12-02T08:00:00Z' }, viewer);
        expect(asViewer.body.errors).toBeUndefined();
        expect(asViewer.body.data!.whoMayPass.allowed.map((p: Passer) => p.person.name)).toEqual(['bertrand']);
        for (const token of [doorKey, undefined]) {
          const refused = await client.gql(WHO, { d: lab, at: null }, token);
          expect(refused.body.data?.whoMayPass ?? null).toBeNull();
          expect(refused.body.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHORIZED']);
        }
      });
    },
  );
}
