import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '@facegate/api/app';
import { loadConfig } from '@facegate/api/config';
import { apiClient } from './api-client.ts';
import { databases } from './databases.ts';

// Issue 25, item 9: attempts per day are counted in a time zone (the server's by default, the one it
// names), not in UTC days while every other time is local.
const ADMIN = { email: 'admin@facegate.test', password: 'correct horse battery' };
const STATS = `query ($from: DateTime!, $to: DateTime!, $zone: String) { stats(from: $from, to: $to, timeZone: $zone) { day refused } serverTimeZone }`;

for (const database of databases()) {
  describe.skipIf(database.skip)(`stats by day in a time zone on ${database.name}${database.skip ? ` (${database.skip})` : ''}`, () => {
    let app: App;
    let dir: string;
    let admin: string;
    let client: ReturnType<typeof apiClient>;

    beforeAll(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'facegate-stats-'));
      app = await createApp(
        loadConfig({
          DATABASE_URL: await database.url(dir),
          FACEGATE_ADMIN_EMAIL: ADMIN.email,
          FACEGATE_ADMIN_PASSWORD: ADMIN.password,
          FACEGATE_RECOGNIZER_THREADS: '1',
        }),
      );
      client = apiClient(app);
      admin = await client.login(ADMIN.email, ADMIN.password);
    }, 60_000);
    afterAll(async () => {
      await app?.close();
      await database.drop?.();
      await rm(dir, { recursive: true, force: true });
    });

    it('counts an attempt at 23:30 UTC on the next day in Paris, names the server zone, refuses an unknown zone', async () => {
      const event = await app.services.audit.record({
        kind: 'identify',
        doorId: null,
        apiKeyId: null,
        adminId: null,
        threshold: 0.35,
        model: 'test',
        decision: 'refused',
        reason: 'no_match',
      });
      // Dated by hand (the audit chain is not what this test reads).
      await app.db.prisma.recognitionEvent.update({ where: { id: event.id }, data: { createdAt: new Date('2026-12-07T23:30:00Z') } });
      const range = { from: '2026-12-06T00:00:00Z', to: '2026-12-09T00:00:00Z' };
      const paris = (await client.gql(STATS, { ...range, zone: 'Europe/Paris' }, admin)).body.data!;
      expect(paris.stats).toEqual([{ day: '2026-12-08', refused: 1 }]);
      expect((await client.gql(STATS, { ...range, zone: 'UTC' }, admin)).body.data!.stats).toEqual([{ day: '2026-12-07', refused: 1 }]);
      expect(paris.serverTimeZone).toBe(Intl.DateTimeFormat().resolvedOptions().timeZone);
      const unknown = await client.gql(STATS, { ...range, zone: 'Mars/Olympus' }, admin);
      expect(unknown.body.errors?.[0]).toMatchObject({
        message: expect.stringContaining('unknown time zone "Mars/Olympus"'),
        extensions: { code: 'INVALID_INPUT' },
      });
    });
  });
}
