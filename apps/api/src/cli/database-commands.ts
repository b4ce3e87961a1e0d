import { EXIT_REFUSED, listGallery, progressBar } from '@facegate/face-core/cli';
import { Option, type Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { loadConfig } from '../config.ts';
import type { Viewer } from '../auth/viewer.ts';
import { withApp } from './with-app.ts';

const SYSTEM: Viewer = { kind: 'system' };

function print(json: boolean | undefined, result: object, text: string): void {
  process.stdout.write(json ? `${JSON.stringify(result)}\n` : `${text}\n`);
}

/** `facegate db ...`: the same people, samples and audit log as the API, from the command line. */
export function addDatabaseCommands(program: Command): Command {
  const db = program.command('db').description('work on the API database (DATABASE_URL; default the SQLite file the API uses)');
  const json = new Option('--json', 'print exactly one JSON object on stdout');

  db.command('rotate-key')
    .description(
      're-seal every encoding and face image under the current data key (FACEGATE_DATA_KEY; the old one in FACEGATE_DATA_KEY_PREVIOUS)',
    )
    .addOption(json)
    .action((options: { json?: boolean }) =>
      withApp(async (app) => {
        const result = await app.services.people.resealAll();
        print(
          options.json,
          result,
          `re-sealed ${result.samples} face samples, ${result.auditImages} audit images, ${result.totpSecrets} administrators' TOTP secrets and ${result.providerTokens} single sign-on tokens under the current data key`,
        );
      }),
    );

  db.command('backup')
    .description(
      'write a sealed, consistent snapshot of the database to FILE while the API keeps working (SQLite backup API; pg_dump on PostgreSQL); sealed with the data key, or a passphrase',
    )
    .argument('<file>')
    .option(
      '--passphrase-file <file>',
      'seal with the passphrase in this file (first line) instead of the data key; or set FACEGATE_BACKUP_PASSPHRASE',
    )
    .addOption(json)
    .action(async (file: string, options: { passphraseFile?: string; json?: boolean }) => {
      const { backupDatabase } = await import('../db/backup/index.ts');
      const result = await backupDatabase(databaseUrl(), file, await sealWith(options.passphraseFile));
      print(
        options.json,
        result,
        `backed up the ${result.provider} database to ${file} (${(result.bytes / 1e6).toFixed(1)} MB, sealed with the ${result.seal === 'passphrase' ? 'passphrase' : 'data key'}, ${(result.ms / 1000).toFixed(1)} s)`,
      );
    });

  db.command('restore')
    .description(
      'restore a backup into an EMPTY database (DATABASE_URL: a new SQLite file or PostgreSQL schema; anything else is refused), then check its audit chain',
    )
    .argument('<file>')
    .option('--passphrase-file <file>', 'the passphrase the backup was sealed with (first line); or set FACEGATE_BACKUP_PASSPHRASE')
    .addOption(json)
    .action(async (file: string, options: { passphraseFile?: string; json?: boolean }) => {
      const [{ restoreDatabase }, { createDb }, { verifyAuditChain }, { createDataCipher }] = await Promise.all([
        import('../db/backup/index.ts'),
        import('../db/create-db.ts'),
        import('../services/audit-chain.ts'),
        import('../db/sealed.ts'),
      ]);
      const restored = await restoreDatabase(databaseUrl(), file, await sealWith(options.passphraseFile));
      const db = createDb({ databaseUrl: databaseUrl() });
      try {
        // Migrations newer than the backup are applied now, as the API's start would.
        await db.migrate();
        const chain = await verifyAuditChain(db.prisma);
        const [people, samples, events] = await Promise.all([
          db.prisma.person.count(),
          db.prisma.faceSample.count(),
          db.prisma.recognitionEvent.count(),
        ]);
        // The face data inside is sealed with the data key: say now whether this machine has it.
        const keys = await dataKeysOfConfig();
        const sample = await db.prisma.faceSample.findFirst({ select: { encoding: true } });
        let dataKey: 'opens' | 'missing' | 'wrong' | 'no samples' = 'no samples';
        if (sample) {
          if (!keys.current) dataKey = 'missing';
          else {
            try {
              createDataCipher(keys.current, keys.previous).open(sample.encoding);
              dataKey = 'opens';
            } catch {
              dataKey = 'wrong';
            }
          }
        }
        const result = {
          ...restored,
          people,
          samples,
          events,
          auditChain: { ok: chain.ok, links: chain.links, head: chain.head, broken: chain.broken },
          dataKey,
        };
        const keyText = {
          opens: 'the data key opens its face data',
          missing: 'NO DATA KEY: its face data cannot be read until FACEGATE_DATA_KEY (or data.key) is the key it was sealed with',
          wrong: 'the data key here does NOT open its face data: set FACEGATE_DATA_KEY to the key of the machine it came from',
          'no samples': 'no face samples',
        }[dataKey];
        print(
          options.json,
          result,
          `restored ${people} people, ${samples} face samples and ${events} audit events (backup of ${restored.createdAt}); audit chain ${chain.ok ? 'intact' : 'BROKEN'}; ${keyText}`,
        );
        if (!chain.ok || dataKey === 'wrong' || dataKey === 'missing') process.exitCode = 1;
      } finally {
        await db.close();
      }
    });

  db.command('import')
    .description('enrol a folder of people: <dir>/<name>.jpg or <dir>/<name>/* (people are matched by name, created if new)')
    .argument('<dir>')
    .option('--allow-duplicates', 'enrol faces that match another enrolled person (they are different people)')
    .addOption(json)
    .action((dir: string, options: { json?: boolean; allowDuplicates?: boolean }) =>
      withApp(async (app) => {
        const gallery = await listGallery(dir);
        const total = [...gallery.values()].reduce((n, photos) => n + photos.length, 0);
        const { importPeople } = await import('../services/bulk-import.ts');
        const bar = progressBar('importing');
        const summary = { people: 0, created: 0, enrolled: 0, rejected: [] as { file: string; code: string; message: string }[] };
        let done = 0;
        try {
          // The same path as the API's import: one person after another, each in one transaction.
          const sources = [...gallery].map(
            ([name, photos]) =>
              [
                name,
                () => Promise.all(photos.map(async (file) => ({ filename: file, bytes: new Uint8Array(await readFile(file)) }))),
              ] as const,
          );
          await importPeople(app.services.people, sources, {
            allowDuplicates: options.allowDuplicates ?? false,
            onPerson: async (result) => {
              if (result.personId) summary.people++;
              if (result.created) summary.created++;
              summary.enrolled += result.enrolled;
              summary.rejected.push(...result.rejected.map((r) => ({ file: r.filename, code: r.code, message: r.message })));
              done += result.photos;
              bar.update(done, total);
              // The administrators' log: who imported whom (here, the facegate command on the server).
              if (result.personId && result.enrolled > 0) {
                await app.services.adminLog.record(SYSTEM, [
                  {
                    action: 'importPerson',
                    targetType: 'person',
                    targetId: result.personId,
                    personId: result.personId,
                    targetLabel: result.name,
                    details: { created: result.created, enrolled: result.enrolled, rejected: result.rejected.length, folder: true },
                  },
                ]);
              }
            },
          });
        } finally {
          bar.stop();
        }
        print(
          options.json,
          summary,
          `${summary.people} people (${summary.created} new), ${summary.enrolled} photos enrolled, ${summary.rejected.length} rejected${summary.rejected.map((r) => `\n  ${r.file}: ${r.message}`).join('')}`,
        );
      }),
    );

  db.command('verify')
    .description('is IMAGE (or the frames IMAGE...) the person named (or holding the card)? Audited like a door.')
    .argument('<images...>')
    .addOption(new Option('--as <name>', 'the claimed name').conflicts('card'))
    .option('--card <id>', 'the claimed card id')
    .option('--door <id>', 'the door to record')
    .addOption(json)
    .action((images: string[], options: { as?: string; card?: string; door?: string; json?: boolean }) =>
      withApp(async (app) => {
        if (!options.as && !options.card) throw new Error('say who is claimed: --as <name> or --card <id>');
        const outcome = await app.services.recognition.verify(SYSTEM, {
          name: options.as ?? null,
          cardId: options.card ?? null,
          doorId: options.door ?? null,
          images: await readImages(images),
        });
        const result = {
          identity: options.as ?? options.card,
          decision: outcome.decision,
          reason: outcome.reason,
          distance: outcome.distance,
          threshold: outcome.threshold,
          match: outcome.decision === 'accepted',
          eventId: outcome.event.id,
        };
        print(
          options.json,
          result,
          `${outcome.decision.toUpperCase()} (${outcome.reason}) distance ${outcome.distance?.toFixed(4) ?? '-'} threshold ${outcome.threshold}`,
        );
        if (outcome.decision !== 'accepted') process.exitCode = EXIT_REFUSED;
      }),
    );

  db.command('identify')
    .description('who in the database is IMAGE (or the frames IMAGE...)? Audited like a door.')
    .argument('<images...>')
    .option('--door <id>', 'the door to record')
    .addOption(json)
    .action((images: string[], options: { door?: string; json?: boolean }) =>
      withApp(async (app) => {
        const outcome = await app.services.recognition.identify(SYSTEM, { doorId: options.door ?? null, images: await readImages(images) });
        const person = outcome.personId ? await app.services.people.get(outcome.personId) : null;
        const names = new Map(
          (await Promise.all(outcome.candidates.map((c) => app.services.people.get(c.personId))))
            .filter((p) => p !== null)
            .map((p) => [p.id, p.name]),
        );
        const result = {
          identity: person?.name ?? null,
          decision: outcome.decision,
          reason: outcome.reason,
          distance: outcome.distance,
          threshold: outcome.threshold,
          candidates: outcome.candidates.map((c) => ({ identity: names.get(c.personId) ?? null, distance: c.distance })),
          eventId: outcome.event.id,
        };
        print(
          options.json,
          result,
          `${result.identity ?? `${outcome.decision} (${outcome.reason})`} (nearest distance ${outcome.distance?.toFixed(4) ?? '-'}, threshold ${outcome.threshold})`,
        );
        if (outcome.decision !== 'accepted') process.exitCode = EXIT_REFUSED;
      }),
    );
  db.command('liveness')
    .description(
      "where the liveness scores of a door's accepted attempts lie, and the live point they suggest for it (--set applies it, logged)",
    )
    .requiredOption('--door <name>', 'the door (its name or id)')
    .option('--days <n>', 'how far back to read its attempts', '30')
    .option('--set', 'set the suggested live point as the door’s own')
    .addOption(json)
    .action((options: { door: string; days: string; set?: boolean; json?: boolean }) =>
      withApp(async (app) => {
        const door = await app.db.prisma.door.findFirst({
          where: { OR: [{ id: options.door }, { name: options.door }] },
          select: { id: true, name: true, settings: true },
        });
        if (!door) throw new Error(`no door named ${options.door}`);
        const days = Number(options.days);
        if (!Number.isInteger(days) || days < 1 || days > 365)
          throw new Error(`--days must be a whole number from 1 to 365; got ${options.days}`);
        const calibration = (await app.services.livenessCalibration.forDoor(door.id, days))!;
        let set: number | null = null;
        if (options.set) {
          if (calibration.suggestedLivePoint === null)
            throw new Error(
              `${door.name} has ${calibration.attempts} accepted attempts with a liveness score in ${days} days: too few to suggest a point (20 at least)`,
            );
          set = calibration.suggestedLivePoint;
          await app.services.configureDoor(
            door.id,
            { settings: { ...JSON.parse(door.settings), livenessLivePoint: set } },
            { confirmLargeChange: true },
          );
          await app.services.adminLog.record(SYSTEM, [
            {
              action: 'updateDoor',
              targetType: 'door',
              targetId: door.id,
              targetLabel: door.name,
              details: { livenessLivePoint: set, from: 'facegate db liveness --set' },
            },
          ]);
        }
        const pct = (v: number | null) => (v === null ? '-' : `${(100 * v).toFixed(1)} %`);
        const text = [
          `${door.name}: ${calibration.attempts} accepted attempts with a liveness score in ${days} days`,
          calibration.points
            ? `points in force: attack ${calibration.points.attack.toFixed(4)}, live ${calibration.points.live.toFixed(4)}${calibration.calibrated ? ' (the door’s own)' : ''}; asks ${pct(calibration.stepUpNow)} of them for the PIN`
            : 'liveness is off at this door',
          `quantiles: ${calibration.quantiles.map((q) => `${100 * q.q} %: ${q.score.toFixed(3)}`).join(', ') || '-'}`,
          `suggested live point: ${calibration.suggestedLivePoint?.toFixed(4) ?? 'none (fewer than 20 attempts)'}${set !== null ? ' (set)' : ''}`,
        ];
        print(options.json, { door: door.name, ...calibration, set }, text.join('\n'));
      }),
    );
  return program;
}

const databaseUrl = () => loadConfig().DATABASE_URL;

async function dataKeysOfConfig() {
  const { dataKeys } = await import('../db/data-key.ts');
  return dataKeys(loadConfig(), { create: false });
}

/** A passphrase (its file's first line, or FACEGATE_BACKUP_PASSPHRASE), else the data key ring. */
async function sealWith(passphraseFile: string | undefined) {
  if (passphraseFile) return { passphrase: (await readFile(passphraseFile, 'utf8')).split(/\r?\n/)[0]! };
  if (process.env.FACEGATE_BACKUP_PASSPHRASE) return { passphrase: process.env.FACEGATE_BACKUP_PASSPHRASE };
  const keys = await dataKeysOfConfig();
  return { dataKey: keys.current, previous: keys.previous };
}

const readImages = (files: readonly string[]) => Promise.all(files.map(async (file) => new Uint8Array(await readFile(file))));
