// facegate calibrate and facegate eval (gallery, open-set, lfw): accuracy measured on labelled photos.
import { Command, Option } from 'commander';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { FaceError } from '../errors.ts';
import { calibrate, curveFile, thresholdForFalseMatchRate } from '../decision/calibration.ts';
import { DEFAULT_DECISION_CONFIG } from '../decision/constants.ts';
import { evaluateGallery } from '../evaluation/gallery.ts';
import { encodeOpenSet, scoreOpenSet } from '../evaluation/open-set.ts';
import { evaluateLfw } from '../evaluation/lfw.ts';
import { parsePairList } from '../evaluation/pairs.ts';
import type { Encoding } from '../matching/match.ts';
import { listGallery } from './gallery.ts';
import { encodingWithProgress, progressBar } from './progress.ts';
import { print, round, roundDeep, type Output } from './output.ts';
import { withEngine } from './with-engine.ts';

/** The options these commands share with the others (one Option object each, added to several commands). */
interface SharedOptions {
  readonly json: Option;
  readonly threshold: Option;
  readonly head: Option;
  readonly far: Option;
}

export function addEvaluationCommands(
  program: Command,
  { json: jsonOption, threshold: thresholdOption, head: headOption, far: farOption }: SharedOptions,
): void {
  program
    .command('calibrate')
    .description('false-match and false-non-match rates by distance on <dir>/<name>/*, and the threshold for a target rate')
    .requiredOption('--dir <dir>', 'one folder of photos per person (e.g. lfw-view1, celeba-dev)')
    .option('--samples <n>', 'photos enrolled per person (people with more have the rest as genuine probes)', (v) => parseInt(v, 10), 3)
    .addOption(farOption)
    .option('--write-curve <file>', 'write the false-match curve for the decision layer (src/decision/false-match-table.json)')
    .addOption(jsonOption)
    .action((options: Output & { dir: string; samples: number; far: number; writeCurve?: string }) =>
      withEngine(async (engine) => {
        const gallery = await listGallery(options.dir);
        const bar = progressBar('encoding');
        const total = [...gallery.values()].reduce((n, p) => n + p.length, 0);
        let done = 0;
        const people = [];
        try {
          for (const [identity, photos] of gallery) {
            const encodings: Encoding[] = [];
            for (const photo of photos) {
              const face = await engine.encodeFace(photo, { multiple: 'largest' }).catch((error: unknown) => {
                if (error instanceof FaceError) return null;
                throw error;
              });
              if (face) encodings.push(face.encoding);
              bar.update(++done, total);
            }
            people.push(
              encodings.length > options.samples
                ? { identity, samples: encodings.slice(0, options.samples), probes: encodings.slice(options.samples) }
                : { identity, samples: [], probes: encodings },
            );
          }
        } finally {
          bar.stop();
        }
        const rule = DEFAULT_DECISION_CONFIG.rule;
        const reports = { 1: calibrate(people, rule, 1), 2: calibrate(people, rule, 2), 3: calibrate(people, rule, 3) };
        const report = reports[1];
        const curve = curveFile(reports, {
          model: engine.modelId,
          rule,
          samples: options.samples,
          source: path.basename(path.resolve(options.dir)),
        });
        if (options.writeCurve) await writeFile(options.writeCurve, `${JSON.stringify(curve, null, 2)}\n`);
        const threshold = thresholdForFalseMatchRate(options.far, curve.curves[1]);
        const result = {
          ...report,
          points: report.points.map((p) => ({
            distance: round(p.distance),
            falseMatchRate: Number(p.falseMatchRate.toPrecision(3)),
            falseNonMatchRate: round(p.falseNonMatchRate),
          })),
          far: options.far,
          threshold: round(threshold),
          fusedFrames: { 2: curve.curves[2], 3: curve.curves[3] },
        };
        print(
          options,
          result,
          [
            `${report.genuine} genuine and ${report.impostor} impostor comparisons (rule ${DEFAULT_DECISION_CONFIG.rule})`,
            'distance  false-match  false-non-match',
            ...result.points.map(
              (p) => `${p.distance.toFixed(4)}    ${p.falseMatchRate.toExponential(2)}     ${p.falseNonMatchRate.toFixed(4)}`,
            ),
            `threshold for a false-match rate of ${options.far}: ${result.threshold}`,
          ].join('\n'),
        );
      }),
    );

  const evalCommand = program.command('eval').description('measure accuracy on labelled photos');

  evalCommand
    .command('gallery')
    .description('compare the rules for people with several photos: <dir>/<name>/* (e.g. celeba-dev)')
    .requiredOption('--dir <dir>', 'one folder of photos per person')
    .option('--samples <n>', 'photos enrolled per person; the rest are probes', (v) => parseInt(v, 10), 3)
    .addOption(thresholdOption)
    .addOption(jsonOption)
    .action((options: Output & { dir: string; samples: number; threshold: number }) =>
      withEngine(async (engine) => {
        const people = new Map([...(await listGallery(options.dir))].filter(([, photos]) => photos.length > 1));
        const report = await encodingWithProgress((onProgress) =>
          evaluateGallery(engine, people, { samples: options.samples, threshold: options.threshold, onProgress }),
        );
        const rounded = roundDeep(report);
        print(options, rounded, JSON.stringify(rounded, null, 2));
      }),
    );

  evalCommand
    .command('open-set')
    .description(
      '1:N with strangers: the first N people with more than S photos enrol S, the rest are strangers; FPIR, FNIR and FNIR at FPIR 1 % and 0.1 %',
    )
    .requiredOption('--dir <dir>', 'one folder of photos per person (e.g. celeba-dev)')
    .option('--enrolled <n>', 'people enrolled', (v) => parseInt(v, 10), 100)
    .option('--samples <n>', 'photos enrolled per person', (v) => parseInt(v, 10), 3)
    .option('--frames <list>', 'frames per attempt (other photos of the same person), comma-separated', '1')
    .addOption(headOption)
    .addOption(jsonOption)
    .action((options: Output & { dir: string; enrolled: number; samples: number; frames: string; head?: string }) =>
      withEngine(async (engine) => {
        const people = await listGallery(options.dir);
        const data = await encodingWithProgress((onProgress) =>
          encodeOpenSet(engine, people, { enrolled: options.enrolled, samples: options.samples, onProgress }),
        );
        const frameCounts = options.frames.split(',').map((v) => parseInt(v, 10));
        const reports = frameCounts.map((frames) => roundDeep(scoreOpenSet(data, { frames })));
        const [first, ...more] = reports;
        const result = {
          ...(more.length > 0 ? { ...first, byFrames: Object.fromEntries(reports.map((r) => [String(r.frames), r])) } : first!),
          model: engine.modelId,
        };
        print(options, result, JSON.stringify(result, null, 2));
      }, options.head),
    );

  evalCommand
    .command('lfw')
    .description('on an LFW pair list: 10-fold for View 2 pairs.txt, single split for View 1 lists')
    .requiredOption('--pairs <file>', 'pairsDevTest.txt, pairsDevTrain.txt or pairs.txt')
    .requiredOption('--images <dir>', 'the folder holding <name>/<name>_NNNN.jpg')
    .addOption(thresholdOption)
    .addOption(headOption)
    .addOption(jsonOption)
    .action((options: Output & { pairs: string; images: string; threshold: number; head?: string }) =>
      withEngine(async (engine) => {
        const list = parsePairList(await readFile(options.pairs, 'utf8'), options.images);
        const report = await encodingWithProgress((onProgress) => evaluateLfw(engine, list, { threshold: options.threshold, onProgress }));
        const result = {
          ...Object.fromEntries(Object.entries(report).map(([k, v]) => [k, typeof v === 'number' ? round(v, 5) : v])),
          model: engine.modelId,
        };
        print(
          options,
          { ...result, noFaceHandling: 'a pair with a photo where no face was found is decided "different person"' },
          Object.entries(result)
            .map(([k, v]) => `${k}: ${v}`)
            .join('\n'),
        );
      }, options.head),
    );
}
