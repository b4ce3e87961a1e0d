import { Command, Option } from 'commander';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createFaceEngine, type EncodedFace, type FaceEngine } from '../engine.ts';
import { FaceError } from '../errors.ts';
import { calibrate, curveFile, thresholdForFalseMatchRate } from '../decision/calibration.ts';
import { DEFAULT_DECISION_CONFIG, type DecisionConfig } from '../decision/constants.ts';
import { decideIdentification, decideVerification, type FaceDecision, type ProbeFace } from '../decision/decide.ts';
import { evaluateGallery } from '../evaluation/gallery.ts';
import { encodeOpenSet, scoreOpenSet } from '../evaluation/open-set.ts';
import { evaluateLfw } from '../evaluation/lfw.ts';
import { parsePairList } from '../evaluation/pairs.ts';
import { DEFAULT_THRESHOLD } from '../matching/constants.ts';
import type { Encoding } from '../matching/match.ts';
import { runBench } from './bench.ts';
import { addLearningCommands } from './learning-commands.ts';
import { addLivenessCommands } from './liveness-commands.ts';
import { load as loadHead, withHead } from '../learning/head.ts';
import { listGallery } from './gallery.ts';
import { progressBar } from './progress.ts';

interface Output {
  json?: boolean;
}

/** Prints the result: one JSON object with --json, otherwise readable lines. */
function print(options: Output, result: object, text: string): void {
  process.stdout.write(options.json ? `${JSON.stringify(result)}\n` : `${text}\n`);
}

const round = (n: number, digits = 4) => (Number.isFinite(n) ? Number(n.toFixed(digits)) : n);

function describeFace(face: EncodedFace) {
  const { x, y, width, height } = face.box;
  return {
    box: { x: round(x, 1), y: round(y, 1), width: round(width, 1), height: round(height, 1) },
    score: round(face.score),
  };
}

/** Encodes every photo of a gallery folder (the largest face of each); photos without a face are reported. */
async function encodeGallery(engine: FaceEngine, dir: string): Promise<Map<string, Encoding[]>> {
  const gallery = await listGallery(dir);
  const total = [...gallery.values()].reduce((n, photos) => n + photos.length, 0);
  if (total === 0) throw new Error(`no photos in gallery ${dir} (expected <name>.jpg|png|webp or <name>/*)`);
  const bar = progressBar('enrolling');
  const database = new Map<string, Encoding[]>();
  let done = 0;
  try {
    for (const [name, photos] of gallery) {
      for (const photo of photos) {
        try {
          const face = await engine.encodeFace(photo, { multiple: 'largest' });
          database.set(name, [...(database.get(name) ?? []), face.encoding]);
        } catch (error) {
          if (!(error instanceof FaceError)) throw error;
          process.stderr.write(`warning: ${photo} not enrolled: ${error.message}\n`);
        }
        bar.update(++done, total);
      }
    }
  } finally {
    bar.stop();
  }
  return database;
}

/** Numbers rounded to 5 digits, at any depth. */
function roundDeep<T>(value: T): T {
  return JSON.parse(JSON.stringify(value, (_, v: unknown) => (typeof v === 'number' ? round(v, 5) : v))) as T;
}

/** "1e-4", "0.0001" or "1/10000". */
function parseRate(text: string): number {
  const [a, b] = text.split('/');
  const rate = b === undefined ? Number(a) : Number(a) / Number(b);
  if (!(rate > 0 && rate < 1)) throw new Error(`not a rate between 0 and 1: ${text}`);
  return rate;
}

/** The frames of one attempt: the largest face of each photo, with its quality. Frames without a face are left out; none at all is the first frame's error. */
async function encodeFrames(engine: FaceEngine, images: readonly string[]): Promise<ProbeFace[]> {
  const faces: ProbeFace[] = [];
  let failure: unknown = null;
  for (const image of images) {
    try {
      const face = await engine.encodeFace(image, { multiple: 'largest' });
      faces.push({ encoding: face.encoding, quality: face.quality });
    } catch (error) {
      if (!(error instanceof FaceError)) throw error;
      failure ??= error;
    }
  }
  if (faces.length === 0) throw failure;
  return faces;
}

function describeDecision(decision: FaceDecision) {
  return {
    outcome: decision.outcome,
    reason: decision.reason,
    identity: decision.identity,
    match: decision.outcome === 'accept',
    distance: decision.distance === null ? null : round(decision.distance),
    threshold: round(decision.threshold),
    stepUpThreshold: round(decision.stepUpThreshold),
    candidates: decision.candidates.slice(0, 3).map((c) => ({ identity: c.identity, distance: round(c.distance) })),
    rival: decision.rival ? { identity: decision.rival.identity, distance: round(decision.rival.distance) } : null,
    framesUsed: decision.framesUsed,
    frames: decision.frames,
    ...(decision.message ? { message: decision.message } : {}),
  };
}

/** The face engine; with `head`, every encoding goes through that learned head (facegate train). */
async function withEngine<T>(fn: (engine: FaceEngine) => Promise<T>, head?: string): Promise<T> {
  const base = await createFaceEngine();
  const engine = head
    ? withHead(base, await loadHead({ file: head }).catch((error: unknown) => (base.dispose(), Promise.reject(error))))
    : base;
  try {
    return await fn(engine);
  } finally {
    engine.dispose();
  }
}

/**
 * Exit codes, the same for every command that decides (verify, identify, door): 0 accepted, 3 refused
 * (a decision, printed on stdout), 1 an error (stderr), 2 a usage error.
 */
export const EXIT_REFUSED = 3;

/** The facegate command with the face engine's subcommands; the API package adds its database commands. */
export function createProgram(): Command {
  const program = new Command('facegate')
    .description('facegate face engine: encode, verify, identify, evaluate and benchmark')
    .showHelpAfterError()
    .exitOverride();

  const thresholdOption = new Option('--threshold <distance>', 'L2 distance below which faces match')
    .default(DEFAULT_THRESHOLD)
    .argParser(parseFloat);
  const jsonOption = new Option('--json', 'print exactly one JSON object on stdout');
  const headOption = new Option(
    '--head <file>',
    'pass every encoding through a head from facegate train (the decision defaults stay calibrated for the encoder alone: compare the threshold-free figures)',
  );

  program
    .command('encode')
    .description('the 128-number encoding of the largest face in IMAGE')
    .argument('<image>')
    .addOption(jsonOption)
    .action((image: string, options: Output) =>
      withEngine(async (engine) => {
        const face = await engine.encodeFace(image, { multiple: 'largest' });
        const result = { encoding: face.encoding.map((v) => round(v, 6)), ...describeFace(face), model: engine.modelId };
        print(options, result, `face at ${JSON.stringify(result.box)} score ${result.score}\n${result.encoding.join(' ')}`);
      }),
    );

  const farOption = new Option('--far <rate>', 'false-accept rate per comparison, e.g. 1e-4 or 1/10000')
    .default(DEFAULT_DECISION_CONFIG.falseMatchRate)
    .argParser(parseRate);
  const overrideOption = new Option('--threshold <distance>', 'a fixed L2 distance threshold instead of the calibrated one').argParser(
    parseFloat,
  );
  const decisionConfig = (options: { far: number; threshold?: number }): DecisionConfig => ({
    ...DEFAULT_DECISION_CONFIG,
    falseMatchRate: options.far,
    threshold: options.threshold ?? null,
  });

  program
    .command('verify')
    .description('is the face in IMAGE... (several frames of one attempt) the person NAME of the gallery? (1:1)')
    .argument('<images...>')
    .requiredOption('--gallery <dir>', 'folder of enrolled photos: <name>.jpg or <name>/*')
    .requiredOption('--as <name>', 'the claimed identity')
    .addOption(farOption)
    .addOption(overrideOption)
    .addOption(jsonOption)
    .action((images: string[], options: Output & { gallery: string; as: string; far: number; threshold?: number }) =>
      withEngine(async (engine) => {
        const database = await encodeGallery(engine, options.gallery);
        if (!database.has(options.as)) throw new Error(`${options.as} is not in the gallery ${options.gallery}`);
        const decision = decideVerification(await encodeFrames(engine, images), options.as, database, decisionConfig(options));
        const result = describeDecision(decision);
        print(
          options,
          result,
          `${decision.outcome.toUpperCase()} (${decision.reason}): ${options.as} at distance ${result.distance} (threshold ${result.threshold})`,
        );
        if (decision.outcome !== 'accept') process.exitCode = EXIT_REFUSED;
      }),
    );

  program
    .command('identify')
    .description('who in the gallery is the face in IMAGE... (several frames of one attempt)? (1:K)')
    .argument('<images...>')
    .requiredOption('--gallery <dir>', 'folder of enrolled photos: <name>.jpg or <name>/*')
    .addOption(farOption)
    .addOption(overrideOption)
    .addOption(jsonOption)
    .action((images: string[], options: Output & { gallery: string; far: number; threshold?: number }) =>
      withEngine(async (engine) => {
        const database = await encodeGallery(engine, options.gallery);
        const decision = decideIdentification(await encodeFrames(engine, images), database, decisionConfig(options));
        const result = describeDecision(decision);
        const who =
          decision.outcome === 'accept'
            ? decision.identity
            : decision.reason === 'not_in_database'
              ? 'not in the database'
              : `refused (${decision.reason})`;
        print(options, result, `${who} (${decision.outcome}; nearest distance ${result.distance}, threshold ${result.threshold})`);
        if (decision.outcome !== 'accept') process.exitCode = EXIT_REFUSED;
      }),
    );

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
        const bar = progressBar('encoding');
        const report = await evaluateGallery(engine, people, {
          samples: options.samples,
          threshold: options.threshold,
          onProgress: bar.update,
        }).finally(bar.stop);
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
        const bar = progressBar('encoding');
        const data = await encodeOpenSet(engine, people, {
          enrolled: options.enrolled,
          samples: options.samples,
          onProgress: bar.update,
        }).finally(bar.stop);
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
        const bar = progressBar('encoding');
        const report = await evaluateLfw(engine, list, { threshold: options.threshold, onProgress: bar.update }).finally(bar.stop);
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

  program
    .command('bench')
    .description('time the pipeline on a 640x480 and a 96x96 photo, against face-api in the same run')
    .option('--runs <n>', 'timed runs per photo after warm-up', (v) => parseInt(v, 10), 50)
    .option('--photo <file>', 'the photo to shrink to 640x480 (default: a sample shipped with face-api)')
    .option('--small <file>', 'the 96x96 photo (default: ../shared/faces/seed/camera_0.jpg, else a crop of --photo)')
    .addOption(jsonOption)
    .action(async (options: Output & { runs: number; photo?: string; small?: string }) => {
      const report = await runBench(options);
      print(options, report, JSON.stringify(report, null, 2));
    });
  addLivenessCommands(program);
  addLearningCommands(program);

  return program;
}

/** Parses argv and runs; errors go to stderr with a non-zero exit code. */
export async function runProgram(program: Command, argv: readonly string[] = process.argv): Promise<void> {
  try {
    await program.parseAsync(argv);
  } catch (error) {
    const e = error as Error & { code?: string; exitCode?: number };
    if (e.code?.startsWith('commander.')) {
      process.exitCode = e.exitCode ?? 2;
    } else {
      // Node's own errors already begin with their code ("ENOENT: no such file ..."): not twice.
      const code = (e instanceof FaceError || typeof e.code === 'string') && !e.message.startsWith(`${e.code}:`) ? `${e.code}: ` : '';
      process.stderr.write(`facegate: ${code}${e.message}\n`);
      process.exitCode = 1;
    }
  }
}
export { progressBar } from './progress.ts';
export { listGallery } from './gallery.ts';
