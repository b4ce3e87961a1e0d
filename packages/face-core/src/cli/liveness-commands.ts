import { Command, Option } from 'commander';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createFaceEngine } from '../engine.ts';
import { LIVENESS_MODEL_ID, type LivenessPoints } from '../liveness/constants.ts';
import { readPadDir } from '../liveness/dataset.ts';
import {
  padPhotos,
  ratesAt,
  readLiveDir,
  scorePhotos,
  type LivenessPhoto,
  type LivenessRates,
  type ScoredPhoto,
} from '../liveness/evaluate.ts';
import { OPERATING_POINTS_PATH, readOperatingPoints } from '../liveness/liveness.ts';
import { load as loadMiniFasNet } from '../liveness/minifasnet.ts';
import { honestProtocol } from '../liveness/protocol.ts';
import { progressBar } from './progress.ts';

interface Options {
  json?: boolean;
  dir: string[];
  live: string[];
  protocol?: 'honest' | 'model';
  openLockbox?: boolean;
  cache?: string;
  write?: boolean;
}

/** Numbers rounded to 4 digits, at any depth. */
function roundDeep<T>(value: T): T {
  return JSON.parse(
    JSON.stringify(value, (_, v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? Number(v.toFixed(4)) : v)),
  ) as T;
}

const percent = (v: number | null) => (v === null ? '-' : `${(100 * v).toFixed(1)} %`);
const points = (p: LivenessPoints) => `attack < ${p.attack.toFixed(3)} <= step-up < ${p.live.toFixed(3)} <= live`;

function line(name: string, r: LivenessRates): string {
  const parts = [`${name}: ${r.live} live, ${r.attacks} attacks`];
  if (r.live) parts.push(`BPCER ${percent(r.bpcer)}, live step-up ${percent(r.liveStepUp)}`);
  if (r.attacks) parts.push(`APCER ${percent(r.apcer)}, attacks at step-up ${percent(r.attackStepUp)}`);
  if (r.auc !== null) parts.push(`AUC ${r.auc.toFixed(3)}`);
  const types = Object.entries(r.byAttack).map(([t, a]) => `${t} ${percent(a.apcer)}`);
  if (types.length) parts.push(`APCER by type: ${types.join(', ')}`);
  return parts.join('; ');
}

async function scoreAll(options: Options): Promise<ScoredPhoto[]> {
  const photos: LivenessPhoto[] = [];
  for (const dir of options.dir) photos.push(...padPhotos(path.basename(path.resolve(dir)), await readPadDir(dir)));
  for (const dir of options.live) photos.push(...(await readLiveDir(dir)));
  if (photos.length === 0) throw new Error('nothing to score: give --dir (a PAD set) or --live (live photos)');
  const engine = await createFaceEngine();
  const networks = await loadMiniFasNet();
  const bar = progressBar('scoring faces');
  try {
    return await scorePhotos(engine, networks, photos, options.cache, bar.update);
  } finally {
    bar.stop();
    engine.dispose();
    await networks.dispose();
  }
}

/** Adds `eval liveness` to the facegate command. */
export function addLivenessCommands(program: Command): void {
  const evalCommand =
    program.commands.find((c) => c.name() === 'eval') ?? program.command('eval').description('measure accuracy on labelled photos');
  evalCommand
    .command('liveness')
    .description(
      'APCER, BPCER and step-up shares of the liveness check. honest: points chosen on development subjects, reported on a lockbox, leave-one-database-out and live photos of other cameras; model: the shipped points',
    )
    .option('--dir <dir...>', 'presentation-attack sets: live/, spoof/ and labels.csv (file,label,subject,source,attack)', [])
    .option(
      '--live <dir...>',
      'folders of live faces only (other cameras); in LFW View 1, DevTrain people may choose points, DevTest people report',
      [],
    )
    .addOption(
      new Option(
        '--protocol <protocol>',
        'honest: choose the points on development data and report on the rest; model: the shipped points on everything given',
      ).choices(['honest', 'model']),
    )
    .option('--open-lockbox', 'honest: also score the lockbox subjects (do it once, at the end)')
    .option('--write', `honest: write the chosen points to ${path.relative(process.cwd(), OPERATING_POINTS_PATH)}`)
    .option('--cache <file>', 'keep each photo score in this JSON-lines file and reuse it')
    .addOption(new Option('--json', 'print exactly one JSON object on stdout'))
    .action(async (options: Options) => {
      const protocol = options.protocol ?? (options.dir.length > 0 ? 'honest' : 'model');
      const scored = await scoreAll(options);
      if (protocol === 'model') {
        const shipped = readOperatingPoints();
        const bySet: Record<string, { balanced: LivenessRates; strict: LivenessRates }> = {};
        for (const set of [...new Set(scored.map((s) => `${s.set}${s.role === 'pad' ? ` ${s.source}` : ''}`))]) {
          const of = scored.filter((s) => `${s.set}${s.role === 'pad' ? ` ${s.source}` : ''}` === set);
          bySet[set] = { balanced: ratesAt(of, shipped.points.balanced), strict: ratesAt(of, shipped.points.strict) };
        }
        const result = roundDeep({ model: LIVENESS_MODEL_ID, protocol, points: shipped.points, chosenOn: shipped.chosenOn, bySet });
        const text = [
          `shipped points (${LIVENESS_MODEL_ID}): balanced ${points(shipped.points.balanced)}; strict ${points(shipped.points.strict)}`,
          `chosen on: ${JSON.stringify(shipped.chosenOn)}`,
          ...Object.entries(bySet).map(([set, r]) => line(`  ${set} (balanced)`, r.balanced)),
        ];
        process.stdout.write(options.json ? `${JSON.stringify(result)}\n` : `${text.join('\n')}\n`);
        return;
      }
      const report = honestProtocol(scored, options.openLockbox === true);
      if (options.write) {
        const file = {
          model: LIVENESS_MODEL_ID,
          points: report.chosen.points,
          chosenOn: { ...report.chosen.chosenOn, lockboxSubjects: report.lockboxSubjects },
        };
        await writeFile(OPERATING_POINTS_PATH, `${JSON.stringify(roundDeep(file), null, 2)}\n`);
      }
      const result = roundDeep({ model: LIVENESS_MODEL_ID, protocol, ...report, wrote: options.write ? OPERATING_POINTS_PATH : null });
      const text = [
        `points chosen: balanced ${points(report.chosen.points.balanced)}; strict ${points(report.chosen.points.strict)}`,
        `  attack point: ${report.chosen.chosenOn.attackPoint}`,
        `  live point: ${report.chosen.chosenOn.livePoint}`,
        `lockbox subjects: ${report.lockboxSubjects.join(', ')}`,
        line('development (in-sample)', report.developmentInSample),
        ...(typeof report.lockbox === 'string'
          ? [`lockbox: ${report.lockbox}`]
          : [
              line('lockbox (balanced)', report.lockbox.balanced),
              line('lockbox (strict)', report.lockbox.strict),
              ...Object.entries(report.lockbox.bySource).map(([source, r]) => line(`  ${source}`, r)),
              ...Object.entries(report.lockbox.bursts).map(([k, r]) => line(`  bursts of ${k}`, r)),
            ]),
        ...Object.entries(report.leaveOneDatabaseOut).flatMap(([name, r]) => [
          line(`${name}, points ${points(r.points)}`, r.frames),
          ...Object.entries(r.bursts).map(([k, b]) => line(`  bursts of ${k}`, b)),
        ]),
        ...Object.entries(report.livePhotos).map(([set, r]) => line(`live photos ${set} (balanced)`, r.balanced)),
        ...Object.entries(report.doorCalibration).map(
          ([source, d]) =>
            `door calibrated on ${d.calibrationLive} live frames of ${source}: ${points(d.points)}\n  ${line('before', d.before)}\n  ${line('after', d.after)}`,
        ),
      ];
      process.stdout.write(options.json ? `${JSON.stringify(result)}\n` : `${text.join('\n')}\n`);
    });
}
