import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { headArtefact, type HeadArtefact } from '@facegate/face-core';
import { createApp, type App } from '@facegate/api/app';
import { loadConfig } from '@facegate/api/config';
import { apiClient } from './api-client.ts';
import { databases } from './databases.ts';

// Issue 25, item 9: a head that never did better than the encoder alone on the people held out when it
// was trained says so (ModelHead.beatBaseModel), and activating it all the same is recorded in the
// administrators' log as against the comparison's advice.
const ADMIN = { email: 'admin@facegate.test', password: 'correct horse battery' };
const D = 128;
const CHANGE = `mutation ($h: ID) { changeActiveModel(headId: $h) { __typename ... on MutationChangeActiveModelSuccess { data { id } } ... on Error { code message } } }`;

/** A head with its training figures: the share of held-out people refused (at 1 false match in 1,000) before and after. */
function head(encoder: string, scale: number, bestEpoch: number, before: number, after: number) {
  return headArtefact(
    encoder,
    Array.from({ length: D * D }, (_, i) => (i % (D + 1) === 0 ? scale : 0)),
    Array.from({ length: D }, () => 0),
    {},
    { bestEpoch, heldOutLossBefore: { all: 0.2, fnmrAtFmr1e3: before }, heldOutLossAfter: { all: 0.2, fnmrAtFmr1e3: after } },
  );
}

for (const database of databases()) {
  describe.skipIf(database.skip)(
    `a head activated against the advice on ${database.name}${database.skip ? ` (${database.skip})` : ''}`,
    () => {
      let app: App;
      let dir: string;
      let client: ReturnType<typeof apiClient>;
      let admin: string;
      let never: HeadArtefact;
      let better: HeadArtefact;

      beforeAll(async () => {
        dir = await mkdtemp(path.join(tmpdir(), 'facegate-model-advice-'));
        app = await createApp(
          loadConfig({
            DATABASE_URL: await database.url(dir),
            FACEGATE_ADMIN_EMAIL: ADMIN.email,
            FACEGATE_ADMIN_PASSWORD: ADMIN.password,
            FACEGATE_RECOGNIZER_THREADS: '1',
            FACEGATE_MODEL_POLL_MS: '200',
          }),
        );
        client = apiClient(app);
        admin = await client.login(ADMIN.email, ADMIN.password);
        // Heads for this deployment's encoder (the active model: no head yet).
        const encoder = app.services.models.active().model;
        never = head(encoder, 1, 0, 0.1, 0.1); // early stopping kept no epoch: the encoder alone
        better = head(encoder, 0.9, 7, 0.1, 0.04);
        for (const h of [never, better]) await app.services.models.addHead(JSON.stringify(h));
      }, 120_000);
      afterAll(async () => {
        await app?.close();
        await database.drop?.();
        await rm(dir, { recursive: true, force: true });
      });

      it('says which head never beat the encoder alone, and logs its activation as against the advice', async () => {
        const heads = (await client.gql('{ modelHeads { id beatBaseModel } }', {}, admin)).body.data!.modelHeads;
        expect(Object.fromEntries(heads.map((h: { id: string; beatBaseModel: boolean | null }) => [h.id, h.beatBaseModel]))).toEqual({
          [never.id]: false,
          [better.id]: true,
        });

        const changed = (await client.gql(CHANGE, { h: never.id }, admin)).body.data!.changeActiveModel;
        expect(changed.__typename).toBe('MutationChangeActiveModelSuccess');
        await client.gql(`mutation ($id: ID!) { cancelModelChange(id: $id) { __typename } }`, { id: changed.data.id }, admin);
        const log = await client.gql(`{ adminActions(action: "changeActiveModel") { edges { node { actorLabel details } } } }`, {}, admin);
        const lines = log.body.data!.adminActions.edges.map((e: { node: { actorLabel: string; details: string } }) => ({
          actorLabel: e.node.actorLabel,
          details: JSON.parse(e.node.details),
        }));
        expect(lines).toEqual([{ actorLabel: ADMIN.email, details: { to: `head ${never.id}`, headId: never.id, againstAdvice: true } }]);
      });
    },
  );
}
