import { Command, Option } from 'commander';
import type { EncodedFace, FaceEngine } from '../engine.ts';
import { FaceError } from '../errors.ts';
import { DEFAULT_DECISION_CONFIG, type DecisionConfig } from '../decision/constants.ts';
import { decideIdentification, decideVerification, type FaceDecision, type ProbeFace } from '../decision/decide.ts';
import { DEFAULT_THRESHOLD } from '../matching/constants.ts';
import type { Encoding } from '../matching/match.ts';
import { runBench } from './bench.ts';
import { addEvaluationCommands } from './evaluation-commands.ts';
import { print, round, type Output } from './output.ts';
import { withEngine } from './with-engine.ts';
import { addLearningCommands } from './learning-commands.ts';
import { addLivenessCommands } from './liveness-commands.ts';
import { listGallery } from './gallery.ts';
import { progressBar } from './progress.ts';

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

  addEvaluationCommands(program, { json: jsonOption, threshold: thresholdOption, head: headOption, far: farOption });

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
