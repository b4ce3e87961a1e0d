import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { facesDir, hasFaces, readLivenessOperatingPoints } from '@facegate/face-core';
import { createApp, type App } from '@facegate/api/app';
import { loadConfig } from '@facegate/api/config';
import { apiClient } from './api-client.ts';
import { databases } from './databases.ts';

// Issue 25, item 1: a refused attempt explains itself (its liveness score against the door's points),
// and an administrator's "this was a live person" feeds the door's liveness calibration, logged.
const pad = path.join(facesDir(), 'pad-dev');
const ADMIN = { email: 'admin@facegate.test', password: 'correct horse battery' };
const VIEWER = { email: 'viewer@facegate.test', password: 'viewer password 1' };
const VERIFY = `mutation ($input: VerifyFaceInput!) { verifyFace(input: $input) { __typename
  ... on MutationVerifyFaceSuccess { data { decision reason distance livenessScore livenessPoints { attack live } attemptId event { id markedLive } } } ... on Error { code } } }`;
const MARK = `mutation ($id: ID!) { markAttemptLive(attemptId: $id) { __typename ... on MutationMarkAttemptLiveSuccess { data { id markedLive livenessScore } } ... on Error { code message } } }`;
const CALIBRATION = `query ($d: ID!) { doorLivenessCalibration(doorId: $d) { attempts markedLive histogram } }`;

for (const database of databases()) {
  describe.skipIf(!hasFaces('pad-dev') || database.skip)(
    `liveness refusals explained and marked live on ${database.name}${database.skip ? ` (${database.skip})` : ''} (needs ${pad})`,
    () => {
      let app: App;
      let dir: string;
      let admin: string;
      let viewer: string;
      let door: string;
      let client: ReturnType<typeof apiClient>;
      const points = readLivenessOperatingPoints().points.balanced;
      const attempt = async (file: string, doorId?: string, name = 'nuaa0001') =>
        (
          await client.upload(
            VERIFY,
            { input: { name, image: null, ...(doorId ? { doorId } : {}) } },
            { 'input.image': path.join(pad, file) },
            admin,
          )
        ).body.data!.verifyFace.data;
      const mark = async (id: string, token = admin) => (await client.gql(MARK, { id }, token)).body;
      const calibration = async () => (await client.gql(CALIBRATION, { d: door }, admin)).body.data!.doorLivenessCalibration;

      beforeAll(async () => {
        dir = await mkdtemp(path.join(tmpdir(), 'facegate-liveness-labels-'));
        app = await createApp(
          loadConfig({
            DATABASE_URL: await database.url(dir),
            FACEGATE_ADMIN_EMAIL: ADMIN.email,
            FACEGATE_ADMIN_PASSWORD: ADMIN.password,
            FACEGATE_RECOGNIZER_THREADS: '1',
          }),
        );
        await app.services.admins.create(VIEWER.email, VIEWER.password, 'viewer');
        client = apiClient(app);
        admin = await client.login(ADMIN.email, ADMIN.password);
        viewer = await client.login(VIEWER.email, VIEWER.password);
        for (const [name, file] of [
          ['msu001', 'live/msu001_01.jpg'],
          ['nuaa0001', 'live/nuaa0001_01.jpg'],
        ] as const) {
          const person = await app.services.people.create({ name });
          const { enrolled } = await app.services.people.enroll(person.id, [
            { filename: 'live.jpg', bytes: new Uint8Array(await readFile(path.join(pad, file))) },
          ]);
          expect(enrolled).toHaveLength(1);
        }
        door = (await client.gql(`mutation { createDoor(name: "lab") { ... on MutationCreateDoorSuccess { data { id } } } }`, {}, admin))
          .body.data!.createDoor.data.id;
      }, 120_000);
      afterAll(async () => {
        await app?.close();
        await database.drop?.();
        await rm(dir, { recursive: true, force: true });
      });

      it('a refused print says its liveness score and the door’s points, and compares nobody', async () => {
        const refused = await attempt('spoof/nuaa0001_18.jpg', door);
        expect(refused).toMatchObject({
          decision: 'REFUSED',
          reason: 'presentation_attack',
          distance: null,
          livenessPoints: points,
          event: { markedLive: false },
        });
        expect(refused.livenessScore).toBeLessThan(points.attack);
        // A door key reads neither (a gradient to tune a fake face on).
        const key = (
          await client.gql(
            `mutation ($d: ID) { createApiKey(name: "lab door", scopes: [VERIFY], doorId: $d) { ... on MutationCreateApiKeySuccess { data { token } } } }`,
            { d: door },
            admin,
          )
        ).body.data!.createApiKey.data.token;
        const asDoor = (
          await client.upload(
            VERIFY,
            { input: { name: 'nuaa0001', image: null } },
            { 'input.image': path.join(pad, 'spoof/nuaa0001_18.jpg') },
            key,
          )
        ).body.data!.verifyFace.data;
        expect(asDoor).toMatchObject({ decision: 'REFUSED', reason: 'refused', livenessScore: null, livenessPoints: null });
      });

      it("an administrator's mark feeds the door's calibration once, is logged, and a viewer cannot mark", async () => {
        expect(await calibration()).toMatchObject({ attempts: 0, markedLive: 0 });
        const refused = await attempt('spoof/nuaa0001_18.jpg', door);

        const denied = await mark(refused.attemptId, viewer);
        expect(denied.data?.markAttemptLive ?? null).toBeNull();
        expect(denied.errors?.[0]?.message).toMatch(/not authorized/i);
        expect(await calibration()).toMatchObject({ attempts: 0, markedLive: 0 });

        const marked = await mark(refused.attemptId);
        expect(marked.data!.markAttemptLive).toMatchObject({
          __typename: 'MutationMarkAttemptLiveSuccess',
          data: { id: refused.attemptId, markedLive: true },
        });
        const after = await calibration();
        expect(after).toMatchObject({ attempts: 1, markedLive: 1 });
        expect(after.histogram[Math.min(19, Math.floor(refused.livenessScore * 20))]).toBe(1);
        // Marking again changes nothing in the calibration.
        await mark(refused.attemptId);
        expect(await calibration()).toMatchObject({ attempts: 1, markedLive: 1 });
        // The audit event is as the door wrote it: still one refusal, and the chain still verifies.
        expect(await app.db.prisma.recognitionEvent.findUniqueOrThrow({ where: { id: refused.attemptId } })).toMatchObject({
          decision: 'refused',
          reason: 'presentation_attack',
        });
        expect((await app.services.auditChain.verify()).ok).toBe(true);

        const log = await app.db.prisma.adminAction.findMany({ where: { action: 'markAttemptLive' }, orderBy: { createdAt: 'asc' } });
        expect(log.length).toBeGreaterThanOrEqual(1);
        expect(log[0]).toMatchObject({ actorLabel: ADMIN.email, targetType: 'door', targetId: door, targetLabel: 'lab' });
        expect(JSON.parse(log[0]!.details)).toMatchObject({ attemptId: refused.attemptId });
      });

      it('refuses to mark what cannot feed a door: no door, an accepted attempt, no score, an unknown attempt', async () => {
        const consoleAttempt = await attempt('spoof/nuaa0001_18.jpg');
        expect((await mark(consoleAttempt.attemptId)).data!.markAttemptLive).toMatchObject({
          code: 'INVALID_INPUT',
          message: expect.stringMatching(/not made at a door/),
        });
        await client.gql(`mutation { updateSettings(input: { liveness: OFF }) { __typename } }`, {}, admin);
        const unscored = await attempt('live/nuaa0001_01.jpg', door);
        expect(unscored).toMatchObject({ decision: 'ACCEPTED', livenessScore: null });
        expect((await mark(unscored.attemptId)).data!.markAttemptLive).toMatchObject({
          code: 'INVALID_INPUT',
          message: expect.stringMatching(/did not run/),
        });
        await client.gql(`mutation { updateSettings(input: { liveness: BALANCED }) { __typename } }`, {}, admin);
        expect((await mark('no-such-attempt')).data!.markAttemptLive).toMatchObject({ code: 'NOT_FOUND' });
        // msu001's live frame scores 0.95: accepted, it counts already.
        const accepted = await attempt('live/msu001_01.jpg', door, 'msu001');
        expect(accepted).toMatchObject({ decision: 'ACCEPTED' });
        expect((await mark(accepted.attemptId)).data!.markAttemptLive).toMatchObject({
          code: 'INVALID_INPUT',
          message: expect.stringMatching(/accepted/),
        });
        expect(await calibration()).toMatchObject({ attempts: 2, markedLive: 1 });
      });
    },
  );
}
