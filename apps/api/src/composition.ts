import { ENCODER_MODEL_ID, findDuplicate } from '@facegate/face-core';
import type { TokenIssuer } from './auth/tokens.ts';
import type { DataCipher } from './db/sealed.ts';
import { createEventsService, type EventsOptions, type EventsService } from './events/events-service.ts';
import { createDoorCalibration, type DoorCalibrationService } from './liveness/door-calibration.ts';
import type { Metrics } from './ops/metrics.ts';
import { createAccessPolicy, type AccessPolicy, type DoorPatch } from './policy/access-policy.ts';
import { Gallery } from './recognizer/gallery.ts';
import type { Recognizer } from './recognizer/pool.ts';
import { createAccessService, type AccessService } from './services/access.ts';
import { createAdaptiveTemplates, type AdaptiveTemplates } from './services/adaptive-templates.ts';
import { createAdminLog, type AdminLog } from './services/admin-log.ts';
import { verifyAuditChain, type ChainReport } from './services/audit-chain.ts';
import { createAuditService, type AuditService } from './services/audit.ts';
import { importLimits, type ImportLimits } from '@facegate/people-archive';
import { createDoorFaces, type DoorFacesService } from './services/door-faces.ts';
import { createModelsService, loadActiveModel, type ModelsOptions, type ModelsService } from './services/models/index.ts';
import { createPeopleService, type PeopleService } from './services/people/index.ts';
import type { Prisma } from './db/prisma.ts';
import { createRateLimits } from './services/rate-limits.ts';
import { createRecognitionService, type RecognitionService } from './services/recognition.ts';
import { startImageRetention } from './services/retention.ts';
import { createConfirmedChanges } from './services/settings/confirm.ts';
import { previewSettings, type SettingsPreview } from './services/settings/preview.ts';
import { createSettingsService, type Settings, type SettingsPatch, type SettingsService } from './services/settings/settings.ts';
import { relyingParty } from './auth/passkeys.ts';
import { createSignInService, DEFAULT_SIGN_IN_POLICY, type SignInPolicy, type SignInService } from './services/sign-in/index.ts';
import { createSingleSignOn } from './services/single-sign-on.ts';
import type { SingleSignOnConfig } from './config.ts';
import { createSync } from './services/sync.ts';

export interface ServiceDeps {
  readonly prisma: Prisma;
  readonly provider: 'sqlite' | 'postgresql';
  readonly databaseUrl: string;
  /** SQLite's write-ahead log emptied after an erasure (Db.checkpoint). */
  readonly checkpoint: () => Promise<void>;
  readonly recognizer: Recognizer;
  readonly tokens: TokenIssuer;
  /** Uploads larger than this are refused before they are read. */
  readonly maxUploadBytes: number;
  /** Seals encodings and face images at rest. */
  readonly cipher: DataCipher;
  /** Prometheus metrics to feed (decisions, stage and audit latencies); none in plain tests. */
  readonly metrics?: Metrics;
  /** Sign-in throttling (default: 5 failures per account, 20 per address, in 15 minutes). */
  readonly signInPolicy?: SignInPolicy;
  /** Password sign-in off (default on), and single sign-on's provider (default none). */
  readonly signInMethods?: { readonly localAccounts: boolean; readonly singleSignOn: SingleSignOnConfig | null };
  /** The dashboard's public URL: passkeys are bound to it (FACEGATE_DASHBOARD_URL). */
  readonly dashboardUrl?: string;
  /** The clock schedules and passes are read against (tests inject one). */
  readonly now?: () => Date;
  /** Events out: the MQTT broker (none: no MQTT) and webhook retries. */
  readonly events?: EventsOptions;
  /** Model versions: the re-encoding job's poll and lease, the training folder. */
  readonly models?: ModelsOptions;
}

/** The work of facegate, without GraphQL: what resolvers (and the CLI, and tests) call. */
export interface Services {
  readonly cipher: DataCipher;
  readonly people: PeopleService;
  readonly models: ModelsService;
  readonly adminLog: AdminLog;
  readonly doorFaces: DoorFacesService;
  readonly importLimits: ImportLimits;
  /** Uploads larger than this are refused unread (schema/uploads.ts). */
  readonly maxUploadBytes: number;
  readonly recognition: RecognitionService;
  readonly adaptive: AdaptiveTemplates;
  readonly audit: AuditService;
  /** The audit log's hash chain, checked (the same check as `facegate audit verify`). */
  readonly auditChain: { verify(options?: Parameters<typeof verifyAuditChain>[1]): Promise<ChainReport> };
  readonly access: AccessService;
  readonly policy: AccessPolicy;
  readonly livenessCalibration: DoorCalibrationService;
  readonly events: EventsService;
  readonly signIn: SignInService;
  readonly gallery: Gallery;
  readonly settings: SettingsService;
  readonly admins: AccessService['admins'];
  readonly apiKeys: AccessService['apiKeys'];
  /** Saves a settings patch; a large move of the verification threshold is refused unless confirmed (services/settings/confirm.ts). */
  updateSettings(patch: SettingsPatch, adminId?: string | null, options?: { confirmLargeChange?: boolean }): Promise<Settings>;
  /** What a settings change would do, before it is saved (services/settings/preview.ts). */
  previewSettings(patch: SettingsPatch, last: number): Promise<SettingsPreview>;
  /** Changes a door; new settings that move its threshold far are refused unless confirmed. */
  configureDoor(id: string, patch: DoorPatch, options?: { confirmLargeChange?: boolean }): ReturnType<AccessPolicy['configureDoor']>;
  /** Applies the audit image retention now (it also runs hourly). */
  purgeImages(): Promise<number>;
  close(): Promise<void>;
}

/** Builds the services and wires them to each other: the composition root (no logic of its own). */
export async function createServices(deps: ServiceDeps): Promise<Services> {
  const { prisma, provider, recognizer, tokens } = deps;
  const settings = createSettingsService(prisma);
  await settings.reload();

  // Another instance may notify while this one is still starting: the handlers wait until what they use
  // is built (a notification handled before that once threw "Cannot access 'gallery' before initialization").
  let started!: () => void;
  const built = new Promise<void>((resolve) => (started = resolve));
  const sync = await createSync(deps.databaseUrl, {
    peopleChanged: async (ids) => built.then(() => gallery.refresh(ids)),
    eventRecorded: async (id) => built.then(() => audit.announce(id)),
    settingsChanged: async () => void (await settings.reload()),
    modelChanged: async () => built.then(() => models.follow()),
    resync: async () => {
      await settings.reload();
      await built;
      await gallery.reload();
    },
  });

  const { metrics, cipher } = deps;
  const now = deps.now ?? (() => new Date());
  const events = createEventsService(prisma, cipher, deps.events, metrics);
  // Events of attempts an earlier process recorded but was stopped before writing out.
  void events
    .catchUp()
    .catch((error: unknown) => console.error('facegate events: catch-up failed:', error instanceof Error ? error.message : error));
  const audit = createAuditService(prisma, {
    provider,
    cipher,
    now,
    onRecorded: (event, writeSeconds) => {
      sync.publish({ type: 'event', id: event.id });
      metrics?.auditWriteSeconds.observe(writeSeconds);
      metrics?.decisions.inc({ kind: event.kind, door: event.doorId ?? 'none', decision: event.decision, reason: event.reason });
      events.publish(event, 'attempt.recorded');
    },
    onCompleted: (event) => {
      sync.publish({ type: 'event', id: event.id });
      if (event.completedAt)
        metrics?.decisions.inc({ kind: event.kind, door: event.doorId ?? 'none', decision: event.decision, reason: event.reason });
      if (event.completedAt) events.publish(event, 'attempt.completed');
    },
  });
  const changed = async (ids: string[]) => {
    await gallery.refresh(ids);
    sync.publish({ type: 'people', ids });
  };
  const people = createPeopleService({
    prisma,
    provider,
    cipher,
    recognizer,
    modelId: ENCODER_MODEL_ID,
    activeModel: () => ({ model: gallery.model, head: gallery.head }),
    changed,
    findDuplicate: (encoding, self) => {
      const match = findDuplicate(encoding, gallery.database({ includeInactive: true }), self, settings.decisionConfig());
      const person = match ? gallery.get(match.identity) : undefined;
      return match && person ? { personId: person.id, name: person.name, distance: match.distance } : null;
    },
    // The gallery holds the person's samples in the active model; the probe is brought to it (head applied).
    ownSampleDistance: (encoding, personId) => gallery.distanceTo(personId, encoding, 'nearest'),
    checkpoint: deps.checkpoint,
  });
  // Decisions use the active model's encodings only (services/models/ switches it after re-encoding).
  const gallery = new Gallery((ids, model) => people.loadGallery(ids, model), undefined, await loadActiveModel(prisma));
  await gallery.reload();
  // Enrolled in another model (the deployment moved to this encoder, or an instance not yet switched):
  // re-encoded from their photos in the background, and not recognised until then.
  const elsewhere = await prisma.faceSample.count({
    where: { model: { not: gallery.model }, encodings: { none: { model: gallery.model } } },
  });
  if (elsewhere > 0)
    console.warn(
      `facegate: ${elsewhere} face samples are not in the active model ${gallery.model} yet; they are re-encoded in the background, and their people are not recognised until then`,
    );
  const models = createModelsService({
    prisma,
    cipher,
    recognizer,
    gallery,
    decisionConfig: () => settings.decisionConfig(),
    publish: () => sync.publish({ type: 'model' }),
    changed,
    now,
    ...(deps.models ? { options: deps.models } : {}),
  });
  await models.expireTraining();
  void models.tick();

  const retention = await startImageRetention({ settings, audit });

  const policy = createAccessPolicy(prisma, { now });
  const rateLimits = createRateLimits(() => settings.current().rateLimitPerMinute);
  const adaptive = createAdaptiveTemplates({ prisma, cipher, gallery, changed, now });
  const recognition = createRecognitionService({
    prisma,
    recognizer,
    gallery,
    settings,
    audit,
    rateLimits,
    policy,
    now,
    adaptive,
    observeStages: (t) => {
      if (!metrics) return;
      for (const [stage, ms] of [
        ['decode', t.decodeMs],
        ['detect', t.detectMs],
        ['align', t.alignMs],
        ['encode', t.encodeMs],
      ] as const)
        if (ms > 0) metrics.stageSeconds.observe({ stage }, ms / 1000);
    },
  });
  const sso = deps.signInMethods?.singleSignOn;
  const signInMethods = {
    localAccounts: deps.signInMethods?.localAccounts ?? true,
    singleSignOn: sso ? createSingleSignOn(prisma, cipher, sso) : null,
  };
  const signIn = createSignInService(
    prisma,
    tokens,
    deps.signInPolicy ?? DEFAULT_SIGN_IN_POLICY,
    {
      cipher,
      required: () => settings.current().requireSecondFactor,
      relyingParty: relyingParty(deps.dashboardUrl ?? 'http://localhost:3000'),
    },
    signInMethods,
  );
  const access = createAccessService(prisma, signIn, { changed: events.doorChanged, removed: events.doorRemoved });
  const settingsChange = { prisma, settings, gallerySize: () => gallery.size };
  const confirmed = createConfirmedChanges({
    ...settingsChange,
    policy,
    settingsChanged: () => sync.publish({ type: 'settings' }),
    purgeImages: retention.purgeImages,
    doorChanged: events.doorChanged,
  });

  started();
  return {
    cipher,
    people,
    models,
    adminLog: createAdminLog(prisma, now),
    doorFaces: createDoorFaces({
      prisma,
      cipher,
      recognizer,
      gallery,
      people,
      threshold: () => settings.current().threshold,
      rule: () => settings.decisionConfig().rule,
    }),
    importLimits: importLimits(deps.maxUploadBytes),
    maxUploadBytes: deps.maxUploadBytes,
    recognition,
    adaptive,
    audit,
    auditChain: { verify: (options) => verifyAuditChain(prisma, options) },
    access,
    policy,
    livenessCalibration: createDoorCalibration(prisma, {
      settings: () => settings.current(),
      doorSettings: async (id) => (await policy.door(id))?.settings ?? null,
      now,
    }),
    events,
    signIn,
    gallery,
    settings,
    admins: access.admins,
    apiKeys: access.apiKeys,
    updateSettings: confirmed.updateSettings,
    previewSettings: (patch, last) => previewSettings(settingsChange, patch, last),
    configureDoor: confirmed.configureDoor,
    purgeImages: retention.purgeImages,
    close: async () => {
      retention.close();
      await models.close();
      await events.close();
      return sync.close();
    },
  };
}
