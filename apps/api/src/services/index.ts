import { decisionThresholds, DEFAULT_DECISION_CONFIG, ENCODER_MODEL_ID, falseMatchRateForGallery, findDuplicate } from '@facegate/face-core';
import { ConfirmationRequiredError, FaceRejectedError } from '../errors.ts';
import { Gallery } from '../recognizer/gallery.ts';
import type { Recognizer } from '../recognizer/pool.ts';
import type { TokenIssuer } from '../auth/tokens.ts';
import type { DataCipher } from '../db/sealed.ts';
import { createEventsService, type EventsOptions } from '../events/events-service.ts';
import { createDoorCalibration } from '../liveness/door-calibration.ts';
import type { Metrics } from '../ops/metrics.ts';
import { createAccessPolicy, type DoorPatch } from '../policy/access-policy.ts';
import { doorSettingsSchema, settingsAtDoor } from '../policy/door-settings.ts';
import { createAccessService } from './access.ts';
import { createAdaptiveTemplates } from './adaptive-templates.ts';
import { createAdminLog } from './admin-log.ts';
import { importLimits } from './bulk-import.ts';
import { createDoorFaces } from './door-faces.ts';
import { createAuditService } from './audit.ts';
import { verifyAuditChain } from './audit-chain.ts';
import { createModelsService, loadActiveModel, type ModelsOptions } from './models.ts';
import { createPeopleService } from './people.ts';
import type { Prisma } from './prisma.ts';
import { createRateLimits } from './rate-limits.ts';
import { createRecognitionService } from './recognition.ts';
import { createSettingsService, decisionConfig, type Settings, type SettingsPatch } from './settings.ts';
import { calibrationRun, deploymentCurve, falseAcceptAt, thresholdWarnings } from './settings-preview.ts';
import { createSignInService, DEFAULT_SIGN_IN_POLICY, type SignInPolicy } from './sign-in.ts';
import { createSync } from './sync.ts';

export interface ServiceDeps {
  readonly prisma: Prisma;
  readonly provider: 'sqlite' | 'postgresql';
  readonly databaseUrl: string;
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
  /** The clock schedules and passes are read against (tests inject one). */
  readonly now?: () => Date;
  /** Events out: the MQTT broker (none: no MQTT) and webhook retries. */
  readonly events?: EventsOptions;
  /** Model versions: the re-encoding job's poll and lease, the training folder. */
  readonly models?: ModelsOptions;
}

/** The work of facegate, without GraphQL: what resolvers (and the CLI, and tests) call. */
export async function createServices(deps: ServiceDeps) {
  const { prisma, provider, recognizer, tokens } = deps;
  const settings = createSettingsService(prisma);
  await settings.reload();

  // The handlers run only when another instance notifies, after start-up has built what they use.
  const sync = await createSync(deps.databaseUrl, {
    peopleChanged: (ids) => gallery.refresh(ids),
    eventRecorded: (id) => audit.announce(id),
    settingsChanged: async () => void (await settings.reload()),
    modelChanged: () => models.follow(),
    resync: async () => {
      await settings.reload();
      await gallery.reload();
    },
  });

  const { metrics, cipher } = deps;
  const now = deps.now ?? (() => new Date());
  const events = createEventsService(prisma, cipher, deps.events, metrics);
  // Events of attempts an earlier process recorded but was stopped before writing out.
  void events.catchUp().catch((error: unknown) => console.error('facegate events: catch-up failed:', error instanceof Error ? error.message : error));
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
      if (event.completedAt) metrics?.decisions.inc({ kind: event.kind, door: event.doorId ?? 'none', decision: event.decision, reason: event.reason });
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
  });
  // Decisions use the active model's encodings only (services/models.ts switches it after re-encoding).
  const gallery = new Gallery((ids, model) => people.loadGallery(ids, model), undefined, await loadActiveModel(prisma));
  await gallery.reload();
  // Enrolled in another model (the deployment moved to this encoder, or an instance not yet switched):
  // re-encoded from their photos in the background, and not recognised until then.
  const elsewhere = await prisma.faceSample.count({ where: { model: { not: gallery.model }, encodings: { none: { model: gallery.model } } } });
  if (elsewhere > 0) console.warn(`facegate: ${elsewhere} face samples are not in the active model ${gallery.model} yet; they are re-encoded in the background, and their people are not recognised until then`);
  const models = createModelsService({ prisma, cipher, recognizer, gallery, decisionConfig: () => settings.decisionConfig(), publish: () => sync.publish({ type: 'model' }), changed, now, ...(deps.models ? { options: deps.models } : {}) });
  await models.expireTraining();
  void models.tick();

  // Retention: face images in old audit events are erased at start and every hour after.
  const purgeImages = async () => {
    const days = settings.current().auditImageRetentionDays;
    return days === null ? 0 : audit.purgeImages(days);
  };
  await purgeImages();
  const retention = setInterval(() => void purgeImages().catch(() => {}), 3_600_000);
  retention.unref();

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
      for (const [stage, ms] of [['decode', t.decodeMs], ['detect', t.detectMs], ['align', t.alignMs], ['encode', t.encodeMs]] as const) if (ms > 0) metrics.stageSeconds.observe({ stage }, ms / 1000);
    },
  });
  const signIn = createSignInService(prisma, tokens, deps.signInPolicy ?? DEFAULT_SIGN_IN_POLICY, { cipher, required: () => settings.current().requireSecondFactor });
  const access = createAccessService(prisma, signIn, { changed: events.doorChanged, removed: events.doorRemoved });

  /** The verification threshold, and the identification one for today's gallery size, of some settings. */
  const thresholdsOf = (s: Settings) => ({
    verify: s.threshold,
    identify: decisionThresholds(decisionConfig(s), falseMatchRateForGallery(s.falseAcceptRate, DEFAULT_DECISION_CONFIG.fpirTarget, gallery.size)).threshold,
  });

  /**
   * The last compared attempts (everywhere, or at one door) replayed under `thresholds`: how many refused
   * then would be accepted, and the reverse.
   */
  async function replay(thresholds: ReturnType<typeof thresholdsOf>, last: number, doorId?: string) {
    const events = await prisma.recognitionEvent.findMany({
      where: { distance: { not: null }, decision: { in: ['accepted', 'refused', 'step_up'] }, ...(doorId ? { doorId } : {}) },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: Math.max(1, Math.min(last, 10_000)),
      select: { kind: true, distance: true, threshold: true, decision: true, reason: true },
    });
    let toAccepted = 0;
    let toRefused = 0;
    for (const e of events) {
      const before = e.distance! < e.threshold;
      const after = e.distance! < (e.kind === 'identify' ? thresholds.identify : thresholds.verify);
      if (after && !before) toAccepted++;
      if (before && !after) toRefused++;
    }
    return { events, toAccepted, toRefused };
  }

  /**
   * What a settings change would do before it is saved: the thresholds it gives, and how many of the
   * last attempts with a distance would have been decided the other way (accepted then, refused now,
   * or the reverse). Doors' own settings are left aside: the global thresholds are compared.
   */
  async function previewSettings(patch: SettingsPatch, last: number) {
    const next = settings.preview(patch);
    const now = thresholdsOf(next);
    const { events, toAccepted, toRefused } = await replay(now, last);
    // The deployment's own error curves and the shipped calibration run, and warnings for a large move.
    const from = settings.current().threshold;
    const compared = events.map((e) => ({ ...e, distance: e.distance! }));
    return {
      settings: next,
      verifyThreshold: now.verify,
      identifyThreshold: now.identify,
      attempts: events.length,
      toAccepted,
      toRefused,
      currentThreshold: from,
      falseAccept: falseAcceptAt(now.verify),
      deployment: deploymentCurve(compared, from),
      calibration: calibrationRun(),
      warnings: thresholdWarnings({ from, to: now.verify, attempts: events.length, toAccepted, toRefused }),
    };
  }

  /**
   * The warnings of a move of the verification threshold from `from` to `to.verify` (none for a small
   * one), with the last 500 compared attempts (at `doorId`, or everywhere) replayed.
   */
  async function moveWarnings(from: number, to: ReturnType<typeof thresholdsOf>, doorId?: string): Promise<string[]> {
    const { events, toAccepted, toRefused } = await replay(to, 500, doorId);
    return thresholdWarnings({ from, to: to.verify, attempts: events.length, toAccepted, toRefused });
  }

  /**
   * The warnings of a door's new settings (they replace its old ones), for the threshold in force
   * there. None for settings that do not validate (configureDoor refuses them) or an unknown door.
   */
  async function doorSettingsWarnings(doorId: string, next: unknown): Promise<string[]> {
    const parsed = doorSettingsSchema.safeParse(next);
    const door = await policy.door(doorId);
    if (!parsed.success || !door) return [];
    const global = settings.current();
    return moveWarnings(settingsAtDoor(global, door.settings).threshold, thresholdsOf(settingsAtDoor(global, parsed.data)), doorId);
  }

  return {
    cipher,
    people,
    models,
    adminLog: createAdminLog(prisma, now),
    doorFaces: createDoorFaces({ prisma, cipher, recognizer, gallery, people, threshold: () => settings.current().threshold, rule: () => settings.decisionConfig().rule }),
    importLimits: importLimits(deps.maxUploadBytes),
    recognition,
    adaptive,
    audit,
    /** The audit log's hash chain, checked (the same check as `facegate audit verify`). */
    auditChain: { verify: (options?: Parameters<typeof verifyAuditChain>[1]) => verifyAuditChain(prisma, options) },
    access,
    policy,
    livenessCalibration: createDoorCalibration(prisma, { settings: () => settings.current(), doorSettings: async (id) => (await policy.door(id))?.settings ?? null, now }),
    events,
    signIn,
    gallery,
    settings,
    admins: access.admins,
    apiKeys: access.apiKeys,
    /**
     * Saves a settings patch. A large move of the verification threshold (previewSettings' warnings:
     * strangers accepted 10x as often, or a move over 0.05) is refused with CONFIRMATION_REQUIRED unless
     * confirmed: the dashboard asks first, and an integration must say it read them too.
     */
    async updateSettings(patch: SettingsPatch, adminId: string | null = null, options: { confirmLargeChange?: boolean } = {}) {
      if (!options.confirmLargeChange && ('threshold' in patch || 'falseAcceptRate' in patch)) {
        const warnings = await moveWarnings(settings.current().threshold, thresholdsOf(settings.preview(patch)));
        if (warnings.length > 0) throw new ConfirmationRequiredError(warnings);
      }
      const next = await settings.update(patch, adminId);
      sync.publish({ type: 'settings' });
      if (patch.auditImageRetentionDays) await purgeImages();
      return next;
    },
    previewSettings,
    /**
     * Changes a door (access-policy.ts configureDoor). New settings that move the door's verification
     * threshold far are refused with CONFIRMATION_REQUIRED unless confirmed, as for the global settings.
     */
    async configureDoor(id: string, patch: DoorPatch, options: { confirmLargeChange?: boolean } = {}) {
      if (!options.confirmLargeChange && patch.settings !== undefined) {
        const warnings = await doorSettingsWarnings(id, patch.settings);
        if (warnings.length > 0) throw new ConfirmationRequiredError(warnings);
      }
      const door = await policy.configureDoor(id, patch);
      if (patch.name !== undefined) await events.doorChanged(door);
      return door;
    },
    /** Reads an uploaded file, refusing it unread when over the size limit. */
    async readUpload(file: File): Promise<Uint8Array> {
      if (file.size > deps.maxUploadBytes) {
        throw new FaceRejectedError('IMAGE_TOO_LARGE', `${file.name || 'the upload'} is ${file.size} bytes, more than the limit of ${deps.maxUploadBytes}`);
      }
      return new Uint8Array(await file.arrayBuffer());
    },
    /** Applies the audit image retention now (it also runs hourly). */
    purgeImages,
    close: async () => {
      clearInterval(retention);
      await models.close();
      await events.close();
      return sync.close();
    },
  };
}

export type Services = Awaited<ReturnType<typeof createServices>>;
