import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { facesDir, hasFaces } from '@facegate/face-core';
import { createApp, type App } from '@facegate/api/app';
import { loadConfig } from '@facegate/api/config';
import { apiClient } from './api-client.ts';
import { databases } from './databases.ts';

// Access policy after the face decision: groups allowed at doors within schedules read in the door's
// time zone, holidays, visitor passes, and the PIN that completes a step-up, on an injected clock.
const seed = path.join(facesDir(), 'seed');
const photo = (name: string) => path.join(seed, `${name}.jpg`);
const camera = (n: number) => path.join(seed, `camera_${n}.jpg`);
const ADMIN = { email: 'admin@facegate.test', password: 'correct horse battery' };

const RESULT = `decision reason attemptId stepUpReason pinTriesLeft stepUpExpiresAt person { name }
  event { id decision reason decidedLabel rivalLabel stepUpReason pinTries completedAt }`;
const VERIFY = `mutation ($input: VerifyFaceInput!) {
  verifyFace(input: $input) { __typename ... on MutationVerifyFaceSuccess { data { ${RESULT} } } ... on Error { code message } }
}`;
const IDENTIFY = `mutation ($image: File, $doorId: ID) {
  identifyFace(image: $image, doorId: $doorId) { __typename ... on MutationIdentifyFaceSuccess { data { ${RESULT} } } ... on Error { code message } }
}`;
const COMPLETE = `mutation ($a: ID!, $pin: String!) {
  completeStepUp(attemptId: $a, pin: $pin) { __typename ... on MutationCompleteStepUpSuccess { data { ${RESULT} } } ... on Error { code message } }
}`;

for (const database of databases()) {
  describe.skipIf(!hasFaces('seed') || database.skip)(
    `access policy and step-up on ${database.name}${database.skip ? ` (${database.skip})` : ''} (needs ${seed})`,
    () => {
      let app: App;
      let dir: string;
      let admin: string;
      let client: ReturnType<typeof apiClient>;
      let clock = new Date('2026-12-01T08:00:00Z');
      const ids: Record<string, string> = {};
      const doors: Record<string, string> = {};
      const keys: Record<string, string> = {};
      let staff: string;

      const gql = async (query: string, variables: Record<string, unknown> = {}, token = admin) => {
        const { body } = await client.gql(query, variables, token);
        expect(body.errors).toBeUndefined();
        return body.data!;
      };
      /**
       * A door key reads a coarse reason and no stepUpReason (issue 23); the policy's exact reasons, which
       * this file checks, are the audit's: read there (as an administrator would), after checking the
       * door was told no more than the coarse one.
       */
      const withAuditReasons = async <
        T extends {
          data?: {
            decision: string;
            reason: string;
            stepUpReason: string | null;
            attemptId: string;
            event: { reason: string; stepUpReason: string | null };
          };
        },
      >(
        answer: T,
      ): Promise<T> => {
        if (!answer.data) return answer;
        const row = await app.db.prisma.recognitionEvent.findUniqueOrThrow({ where: { id: answer.data.attemptId } });
        const coarse =
          { accepted: 'accepted', step_up: 'step_up' }[row.decision] ?? (['too_few_frames'].includes(row.reason) ? 'try_again' : 'refused');
        expect([answer.data.reason, answer.data.event.reason, answer.data.stepUpReason, answer.data.event.stepUpReason]).toEqual([
          coarse,
          coarse,
          null,
          null,
        ]);
        return {
          ...answer,
          data: {
            ...answer.data,
            reason: row.reason,
            stepUpReason: row.decision === 'step_up' ? row.stepUpReason : null,
            event: { ...answer.data.event, reason: row.reason, stepUpReason: row.stepUpReason },
          },
        };
      };
      const verify = async (token: string, name: string, file: string | { name: string; bytes: Uint8Array }) =>
        withAuditReasons(
          (await client.upload(VERIFY, { input: { name, image: null } }, { 'input.image': file }, token)).body.data!.verifyFace,
        );
      const identify = async (token: string, file: string | { name: string; bytes: Uint8Array }, doorId: string | null = null) =>
        withAuditReasons((await client.upload(IDENTIFY, { image: null, doorId }, { image: file }, token)).body.data!.identifyFace);
      const complete = async (token: string, attemptId: string, pin: string) =>
        withAuditReasons((await client.gql(COMPLETE, { a: attemptId, pin }, token)).body.data!.completeStepUp);
      const events = () => app.db.prisma.recognitionEvent.count();

      beforeAll(async () => {
        dir = await mkdtemp(path.join(tmpdir(), 'facegate-policy-'));
        app = await createApp(
          loadConfig({
            DATABASE_URL: await database.url(dir),
            FACEGATE_ADMIN_EMAIL: ADMIN.email,
            FACEGATE_ADMIN_PASSWORD: ADMIN.password,
            FACEGATE_RECOGNIZER_THREADS: '2',
          }),
          { now: () => clock },
        );
        // The tests send photo files, not camera frames: liveness off, as the README says such a door sets it.
        await app.services.updateSettings({ liveness: 'off' });
        client = apiClient(app);
        admin = await client.login(ADMIN.email, ADMIN.password);
        for (const name of ['younes', 'bertrand', 'kian', 'arnaud', 'dan']) {
          ids[name] = (
            await gql(
              `mutation ($n: String!) { createPerson(input: { name: $n }) { ... on MutationCreatePersonSuccess { data { id } } } }`,
              { n: name },
            )
          ).createPerson.data.id;
          const enrolled = await client.upload(
            `mutation ($id: ID!, $images: [File!]!) { enrollFaces(personId: $id, images: $images) { ... on MutationEnrollFacesSuccess { data { rejected { code } } } } }`,
            { id: ids[name], images: [null] },
            { 'images.0': photo(name) },
            admin,
          );
          expect(enrolled.body.data!.enrollFaces.data.rejected).toEqual([]);
        }
        for (const name of ['lab', 'server-room', 'lobby']) {
          doors[name] = (
            await gql(`mutation ($n: String!) { createDoor(name: $n) { ... on MutationCreateDoorSuccess { data { id } } } }`, { n: name })
          ).createDoor.data.id;
          keys[name] = (
            await gql(
              `mutation ($d: ID) { createApiKey(name: "door", scopes: [VERIFY, IDENTIFY], doorId: $d) { ... on MutationCreateApiKeySuccess { data { token } } } }`,
              { d: doors[name] },
            )
          ).createApiKey.data.token;
        }
        // The lab: staff only, weekdays 08:00-19:00 in Paris, closed on Christmas.
        const lab = await gql(
          `mutation ($id: ID!) { updateDoor(id: $id, input: { timeZone: "Europe/Paris", access: GROUPS }) { ... on MutationUpdateDoorSuccess { data { timeZone access } } } }`,
          { id: doors.lab },
        );
        expect(lab.updateDoor.data).toEqual({ timeZone: 'Europe/Paris', access: 'GROUPS' });
        const schedule = await gql(
          `mutation { saveSchedule(input: { name: "office hours", windows: [{ days: [1, 2, 3, 4, 5], from: "08:00", to: "19:00" }], exceptions: [{ date: "2026-12-25", windows: [] }] }) { ... on MutationSaveScheduleSuccess { data { id windows { days from to } } } } }`,
        );
        staff = (await gql(`mutation { createAccessGroup(name: "staff") { ... on MutationCreateAccessGroupSuccess { data { id } } } }`))
          .createAccessGroup.data.id;
        await gql(
          `mutation ($g: ID!, $p: [ID!]!) { addGroupMembers(groupId: $g, personIds: $p) { ... on MutationAddGroupMembersSuccess { data { id } } } }`,
          { g: staff, p: [ids.younes] },
        );
        await gql(
          `mutation ($g: ID!, $d: ID!, $s: ID) { allowGroupAtDoor(groupId: $g, doorId: $d, scheduleId: $s) { ... on MutationAllowGroupAtDoorSuccess { data { doors { schedule { name } } } } } }`,
          {
            g: staff,
            d: doors.lab,
            s: schedule.saveSchedule.data.id,
          },
        );
        // The server room: anyone enrolled, but always with the PIN.
        await gql(
          `mutation ($id: ID!) { updateDoor(id: $id, input: { settings: { requirePin: true } }) { ... on MutationUpdateDoorSuccess { data { id } } } }`,
          { id: doors['server-room'] },
        );
      }, 600_000);
      afterAll(async () => {
        await app?.close();
        await database.drop?.();
        await rm(dir, { recursive: true, force: true });
      });

      it("refuses at 23:00 and accepts at 09:00 in the door's time zone; Christmas is closed; each attempt one audit event", async () => {
        const before = await events();
        clock = new Date('2026-12-01T22:00:00Z'); // Tuesday 23:00 in Paris (21:00 would still be 22:00 there)
        const night = await verify(keys.lab!, 'younes', camera(0));
        expect(night.data).toMatchObject({
          decision: 'REFUSED',
          reason: 'outside_schedule',
          person: null,
          event: { reason: 'outside_schedule', decidedLabel: null },
        });
        // The administrator's audit says who was kept out.
        const audited = await gql(`query ($id: ID!) { recognitionEvent(id: $id) { decision reason decidedLabel } }`, {
          id: night.data.attemptId,
        });
        expect(audited.recognitionEvent).toEqual({ decision: 'REFUSED', reason: 'outside_schedule', decidedLabel: 'younes' });

        clock = new Date('2026-12-02T08:00:00Z'); // Wednesday 09:00 in Paris
        expect((await verify(keys.lab!, 'younes', camera(0))).data).toMatchObject({
          decision: 'ACCEPTED',
          reason: 'match',
          person: { name: 'younes' },
        });
        expect((await identify(keys.lab!, camera(0))).data).toMatchObject({ decision: 'ACCEPTED', person: { name: 'younes' } });
        clock = new Date('2026-12-25T09:00:00Z');
        expect((await verify(keys.lab!, 'younes', camera(0))).data).toMatchObject({ decision: 'REFUSED', reason: 'outside_schedule' });
        // At the lobby (open to everyone) the same face at the same hour is let in.
        expect((await verify(keys.lobby!, 'younes', camera(0))).data).toMatchObject({ decision: 'ACCEPTED' });
        expect(await events()).toBe(before + 5);
      });

      it('refuses a person whose groups are not allowed at the door, by verification and by identification', async () => {
        clock = new Date('2026-12-02T09:00:00Z');
        expect((await verify(keys.lab!, 'bertrand', camera(1))).data).toMatchObject({
          decision: 'REFUSED',
          reason: 'not_allowed_here',
          person: null,
        });
        expect((await identify(keys.lab!, camera(1))).data).toMatchObject({
          decision: 'REFUSED',
          reason: 'not_allowed_here',
          person: null,
        });
        const verdict = await gql(
          `query ($p: ID!, $d: ID!, $at: DateTime) { accessCheck(personId: $p, doorId: $d, at: $at) { allowed reason } }`,
          { p: ids.bertrand, d: doors.lab, at: '2026-12-02T09:00:00Z' },
        );
        expect(verdict.accessCheck).toEqual({ allowed: false, reason: 'not_allowed_here' });
      });

      it('lets a visitor in only while the pass is valid, at the doors it names, until it is revoked', async () => {
        clock = new Date('2026-12-02T09:00:00Z');
        const issue = async (from: string, until: string, doorIds: string[]) =>
          (
            await gql(
              `mutation ($p: ID!, $f: DateTime!, $u: DateTime!, $d: [ID!]) { issueVisitorPass(personId: $p, validFrom: $f, validUntil: $u, doorIds: $d) { ... on MutationIssueVisitorPassSuccess { data { id } } ... on Error { code message } } }`,
              {
                p: ids.bertrand,
                f: from,
                u: until,
                d: doorIds,
              },
            )
          ).issueVisitorPass.data.id as string;
        await issue('2026-12-02T08:00:00Z', '2026-12-04T17:00:00Z', [doors.lab!]);
        expect((await verify(keys.lab!, 'bertrand', camera(1))).data).toMatchObject({ decision: 'ACCEPTED', person: { name: 'bertrand' } });
        // A visitor goes only where the pass says, even through a door open to everyone.
        expect((await verify(keys.lobby!, 'bertrand', camera(1))).data).toMatchObject({ decision: 'REFUSED', reason: 'not_allowed_here' });
        clock = new Date('2026-12-04T17:00:00Z');
        expect((await verify(keys.lab!, 'bertrand', camera(1))).data).toMatchObject({ decision: 'REFUSED', reason: 'pass_expired' });
        clock = new Date('2026-12-01T09:00:00Z');
        expect((await verify(keys.lab!, 'bertrand', camera(1))).data).toMatchObject({ decision: 'REFUSED', reason: 'pass_not_yet_valid' });

        clock = new Date('2026-12-10T09:00:00Z');
        const pass = await issue('2026-12-10T08:00:00Z', '2026-12-10T18:00:00Z', []);
        expect((await verify(keys.lobby!, 'bertrand', camera(1))).data).toMatchObject({ decision: 'ACCEPTED' });
        await gql(`mutation ($id: ID!) { revokeVisitorPass(id: $id) { ... on MutationRevokeVisitorPassSuccess { data { revokedAt } } } }`, {
          id: pass,
        });
        expect((await verify(keys.lobby!, 'bertrand', camera(1))).data).toMatchObject({ decision: 'REFUSED', reason: 'pass_revoked' });
        const bad = await client.gql(
          `mutation ($p: ID!) { issueVisitorPass(personId: $p, validFrom: "2026-12-10T08:00:00Z", validUntil: "2026-12-09T08:00:00Z") { __typename ... on Error { code } } }`,
          { p: ids.bertrand },
          admin,
        );
        expect(bad.body.data!.issueVisitorPass).toMatchObject({ code: 'INVALID_INPUT' });
      });

      it('completes a step-up with the right PIN, refuses after the bounded wrong ones, and keeps each attempt one audit event', async () => {
        clock = new Date('2026-12-02T09:00:00Z');
        const weak = await client.gql(
          `mutation ($p: ID!) { setPersonPin(personId: $p, pin: "1234") { __typename ... on Error { code message } } }`,
          { p: ids.younes },
          admin,
        );
        expect(weak.body.data!.setPersonPin).toMatchObject({ code: 'INVALID_INPUT' });
        await gql(`mutation ($p: ID!) { setPersonPin(personId: $p, pin: "4826") { ... on MutationSetPersonPinSuccess { data } } }`, {
          p: ids.younes,
        });
        const person = await gql(`query ($id: ID!) { person(id: $id) { hasPin } }`, { id: ids.younes });
        expect(person.person).toEqual({ hasPin: true });
        const stored = await app.db.prisma.person.findUniqueOrThrow({ where: { id: ids.younes } });
        expect(stored.pinHash).toMatch(/^\$argon2id\$/);

        const before = await events();
        const asked = (await verify(keys['server-room']!, 'younes', camera(0))).data;
        expect(asked).toMatchObject({
          decision: 'STEP_UP',
          reason: 'pin_required',
          stepUpReason: 'pin_required',
          pinTriesLeft: 3,
          person: null,
        });
        // Another door's key cannot complete (or learn of) this attempt.
        expect(await complete(keys.lobby!, asked.attemptId, '4826')).toMatchObject({ code: 'NOT_FOUND' });
        // That try is an attempt of its own at the lobby, audited (naming nobody).
        const misuse = await app.db.prisma.recognitionEvent.findFirstOrThrow({
          where: { reason: 'unknown_attempt' },
          orderBy: { createdAt: 'desc' },
        });
        expect(misuse).toMatchObject({
          doorId: doors.lobby,
          decision: 'error',
          claimedLabel: null,
          decidedPersonId: null,
          stepUpPersonId: null,
        });
        expect((await complete(keys['server-room']!, asked.attemptId, '1111')).data).toMatchObject({
          decision: 'STEP_UP',
          pinTriesLeft: 2,
          person: null,
        });
        const opened = (await complete(keys['server-room']!, asked.attemptId, '4826')).data;
        expect(opened).toMatchObject({
          decision: 'ACCEPTED',
          reason: 'pin_ok',
          person: { name: 'younes' },
          event: { id: asked.attemptId, decision: 'ACCEPTED', pinTries: 2 },
        });
        expect(opened.event.completedAt).not.toBeNull();
        expect(await complete(keys['server-room']!, asked.attemptId, '4826')).toMatchObject({ code: 'INVALID_INPUT' });

        const guessed = (await verify(keys['server-room']!, 'younes', camera(0))).data;
        expect((await complete(keys['server-room']!, guessed.attemptId, '0001')).data).toMatchObject({
          decision: 'STEP_UP',
          pinTriesLeft: 2,
        });
        expect((await complete(keys['server-room']!, guessed.attemptId, '0002')).data).toMatchObject({
          decision: 'STEP_UP',
          pinTriesLeft: 1,
        });
        expect((await complete(keys['server-room']!, guessed.attemptId, '0003')).data).toMatchObject({
          decision: 'REFUSED',
          reason: 'pin_failed',
          person: null,
        });
        // The right PIN after the last wrong one changes nothing.
        expect(await complete(keys['server-room']!, guessed.attemptId, '4826')).toMatchObject({ code: 'INVALID_INPUT' });

        const late = (await verify(keys['server-room']!, 'younes', camera(0))).data;
        clock = new Date(clock.getTime() + 61_000);
        expect((await complete(keys['server-room']!, late.attemptId, '4826')).data).toMatchObject({
          decision: 'REFUSED',
          reason: 'step_up_expired',
        });

        // Three attempts, three audit events, however many PINs were typed; and the other key's try.
        expect(await events()).toBe(before + 4);
        // The injected clock stands still, so the three share a time: read them by id, not in time order.
        const audit = await Promise.all(
          [asked.attemptId, guessed.attemptId, late.attemptId].map((id) =>
            app.db.prisma.recognitionEvent.findUniqueOrThrow({ where: { id } }),
          ),
        );
        expect(audit.map((e) => [e.decision, e.reason, e.pinTries])).toEqual([
          ['accepted', 'pin_ok', 2],
          ['refused', 'pin_failed', 3],
          ['refused', 'step_up_expired', 1],
        ]);
        // No PIN, no second factor: the step-up is refused as such.
        const dan = (await verify(keys['server-room']!, 'dan', photo('dan'))).data;
        expect(dan).toMatchObject({ decision: 'STEP_UP', pinTriesLeft: null });
        expect((await complete(keys['server-room']!, dan.attemptId, '4826')).data).toMatchObject({
          decision: 'REFUSED',
          reason: 'no_second_factor',
        });
      });

      it('holds a door to its own settings: a stricter false-accept target, several frames, liveness per door; bad values are typed errors', async () => {
        clock = new Date('2026-12-02T09:00:00Z');
        const update = (settings: string, confirm = false) =>
          client.gql(
            `mutation ($id: ID!, $confirm: Boolean) { updateDoor(id: $id, input: { settings: ${settings} }, confirmLargeChange: $confirm) { __typename ... on MutationUpdateDoorSuccess { data { settings { threshold minFrames falseAcceptRate liveness } } } ... on ConfirmationRequiredError { warnings } ... on Error { code message } } }`,
            { id: doors.lobby, confirm },
            admin,
          );
        const global = (await gql(`{ settings { threshold } }`)).settings.threshold as number;
        // A move of the door's threshold as large as this one is saved only once confirmed (nothing changes before).
        const unconfirmed = (await update(`{ falseAcceptRate: 0.000001, minFrames: 2, liveness: STRICT }`)).body.data!.updateDoor;
        expect(unconfirmed).toMatchObject({ __typename: 'ConfirmationRequiredError', code: 'CONFIRMATION_REQUIRED' });
        expect(unconfirmed.warnings[0]).toMatch(/Lowering the threshold from 0\.\d+ to 0\.\d+ will refuse more enrolled people/);
        expect((await verify(keys.lobby!, 'younes', camera(0))).data).toMatchObject({ decision: 'ACCEPTED' });
        const strict = (await update(`{ falseAcceptRate: 0.000001, minFrames: 2, liveness: STRICT }`, true)).body.data!.updateDoor.data
          .settings;
        expect(strict).toMatchObject({ minFrames: 2, falseAcceptRate: 0.000001, liveness: 'STRICT' });
        expect(strict.threshold).toBeLessThan(global);
        const one = (await verify(keys.lobby!, 'younes', camera(0))).data;
        expect(one).toMatchObject({ decision: 'REFUSED', reason: 'too_few_frames' });
        expect((await update(`{ minFrames: 9 }`)).body.data!.updateDoor).toMatchObject({ code: 'INVALID_INPUT' });
        const zone = await client.gql(
          `mutation ($id: ID!) { updateDoor(id: $id, input: { timeZone: "Mars/Olympus" }) { __typename ... on Error { code } } }`,
          { id: doors.lobby },
          admin,
        );
        expect(zone.body.data!.updateDoor).toMatchObject({ code: 'INVALID_INPUT' });
        // Back to the global settings: a large move too.
        expect((await update(`{}`)).body.data!.updateDoor).toMatchObject({ code: 'CONFIRMATION_REQUIRED' });
        expect((await update(`{}`, true)).body.data!.updateDoor.data.settings).toMatchObject({
          minFrames: null,
          falseAcceptRate: null,
          liveness: null,
          threshold: global,
        });
        expect((await verify(keys.lobby!, 'younes', camera(0))).data).toMatchObject({ decision: 'ACCEPTED' });
      });

      it("a door key reads none of the policy: not its door's rules, nor the groups, passes or PIN of the person it let in", async () => {
        clock = new Date('2026-12-02T09:00:00Z');
        // Not even the list of doors (issue 23).
        const { body } = await client.gql(`{ doors { name access settings { requirePin } groups { group { name } } } }`, {}, keys.lab);
        expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHORIZED');
        expect(body.data ?? null).toBeNull();
        const opened = await client.upload(
          `mutation ($input: VerifyFaceInput!) { verifyFace(input: $input) { ... on MutationVerifyFaceSuccess { data { decision person { name hasPin groups { name } passes { id } } } } } }`,
          { input: { name: 'younes', image: null } },
          { 'input.image': camera(0) },
          keys.lab,
        );
        expect(opened.body.data!.verifyFace.data).toEqual({
          decision: 'ACCEPTED',
          person: { name: 'younes', hasPin: null, groups: [], passes: [] },
        });
        const admins = await gql(`{ doors { name access settings { requirePin threshold } groups { group { name } schedule { name } } } }`);
        expect(admins.doors.find((d: { name: string }) => d.name === 'lab')).toMatchObject({
          access: 'GROUPS',
          groups: [{ group: { name: 'staff' }, schedule: { name: 'office hours' } }],
        });
      });

      it('lets the PIN say which of two people too close to call is at the door, without telling the door who the other was', async () => {
        clock = new Date('2026-12-02T09:00:00Z');
        const twin = (
          await gql(
            `mutation { createPerson(input: { name: "kian-twin" }, confirmDuplicateName: true) { ... on MutationCreatePersonSuccess { data { id } } } }`,
          )
        ).createPerson.data.id;
        await client.upload(
          `mutation ($id: ID!, $images: [File!]!) { enrollFaces(personId: $id, images: $images, allowDuplicates: true) { __typename } }`,
          { id: twin, images: [null] },
          { 'images.0': photo('kian') },
          admin,
        );
        await gql(`mutation ($p: ID!) { setPersonPin(personId: $p, pin: "7391") { __typename } }`, { p: ids.kian });
        await gql(`mutation ($p: ID!) { setPersonPin(personId: $p, pin: "2958") { __typename } }`, { p: twin });
        const mirrored = { name: 'kian-mirrored.png', bytes: new Uint8Array(await sharp(photo('kian')).flop().png().toBuffer()) };
        const asked = (await identify(keys.lobby!, mirrored)).data;
        expect(asked).toMatchObject({
          decision: 'STEP_UP',
          reason: 'ambiguous',
          stepUpReason: 'ambiguous',
          pinTriesLeft: 3,
          person: null,
          event: { rivalLabel: null },
        });
        expect((await complete(keys.lobby!, asked.attemptId, '7391')).data).toMatchObject({
          decision: 'ACCEPTED',
          person: { name: 'kian' },
        });
        const again = (await identify(keys.lobby!, mirrored)).data;
        expect((await complete(keys.lobby!, again.attemptId, '2958')).data).toMatchObject({
          decision: 'ACCEPTED',
          person: { name: 'kian-twin' },
        });
      });
    },
  );
}
