import { Command, Option } from 'commander';
import { readFile } from 'node:fs/promises';
import { createFaceEngine, type EncodedFace, type FaceEngine } from '../engine.ts';
import { FaceError } from '../errors.ts';
import { evaluateGallery } from '../evaluation/gallery.ts';
import { evaluateLfw } from '../evaluation/lfw.ts';
import { parsePairList } from '../evaluation/pairs.ts';
import { DEFAULT_THRESHOLD } from '../matching/constants.ts';
import { rankCandidates, verify, whoIsIt, type Encoding } from '../matching/match.ts';
import { runBench } from './bench.ts';
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

async function withEngine<T>(fn: (engine: FaceEngine) => Promise<T>): Promise<T> {
  const engine = await createFaceEngine();
  try {
    return await fn(engine);
  } finally {
    engine.dispose();
  }
}

/** The facegate command with the face engine's subcommands; the API package adds its database commands. */
export function createProgram(): Command {
  const program = new Command('facegate')
    .description('facegate face engine: encode, verify, identify, evaluate and benchmark')
    .showHelpAfterError()
    .exitOverride();

  const thresholdOption = new Option('--threshold <distance>', 'L2 distance below which faces match').default(DEFAULT_THRESHOLD).argParser(parseFloat);
  const jsonOption = new Option('--json', 'print exactly one JSON object on stdout');

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

  program
    .command('verify')
    .description('is IMAGE the person NAME of the gallery? (1:1)')
    .argument('<image>')
    .requiredOption('--gallery <dir>', 'folder of enrolled photos: <name>.jpg or <name>/*')
    .requiredOption('--as <name>', 'the claimed identity')
    .addOption(thresholdOption)
    .addOption(jsonOption)
    .action((image: string, options: Output & { gallery: string; as: string; threshold: number }) =>
      withEngine(async (engine) => {
        const database = await encodeGallery(engine, options.gallery);
        if (!database.has(options.as)) throw new Error(`${options.as} is not in the gallery ${options.gallery}`);
        const face = await engine.encodeFace(image, { multiple: 'largest' });
        const { distance, match } = verify(face.encoding, options.as, database, options.threshold);
        const result = { identity: options.as, distance: round(distance), threshold: options.threshold, match };
        print(options, result, `${match ? 'MATCH' : 'NO MATCH'}: ${options.as} at distance ${result.distance} (threshold ${options.threshold})`);
      }),
    );

  program
    .command('identify')
    .description('who in the gallery is IMAGE? (1:K)')
    .argument('<image>')
    .requiredOption('--gallery <dir>', 'folder of enrolled photos: <name>.jpg or <name>/*')
    .addOption(thresholdOption)
    .addOption(jsonOption)
    .action((image: string, options: Output & { gallery: string; threshold: number }) =>
      withEngine(async (engine) => {
        const database = await encodeGallery(engine, options.gallery);
        const face = await engine.encodeFace(image, { multiple: 'largest' });
        const { identity, distance } = whoIsIt(face.encoding, database, options.threshold);
        const candidates = rankCandidates(face.encoding, database).slice(0, 3).map((c) => ({ identity: c.identity, distance: round(c.distance) }));
        const result = { identity, distance: round(distance), threshold: options.threshold, candidates };
        print(options, result, `${identity ?? 'not in the database'} (nearest distance ${result.distance}, threshold ${options.threshold})`);
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
        const report = await evaluateGallery(engine, people, { samples: options.samples, threshold: options.threshold, onProgress: bar.update }).finally(bar.stop);
        const rounded = JSON.parse(JSON.stringify(report, (_, v) => (typeof v === 'number' ? round(v, 5) : v)));
        print(options, rounded, JSON.stringify(rounded, null, 2));
      }),
    );

  evalCommand
    .command('lfw')
    .description('on an LFW pair list: 10-fold for View 2 pairs.txt, single split for View 1 lists')
    .requiredOption('--pairs <file>', 'pairsDevTest.txt, pairsDevTrain.txt or pairs.txt')
    .requiredOption('--images <dir>', 'the folder holding <name>/<name>_NNNN.jpg')
    .addOption(thresholdOption)
    .addOption(jsonOption)
    .action((options: Output & { pairs: string; images: string; threshold: number }) =>
      withEngine(async (engine) => {
        const list = parsePairList(await readFile(options.pairs, 'utf8'), options.images);
        const bar = progressBar('encoding');
        const report = await evaluateLfw(engine, list, { threshold: options.threshold, onProgress: bar.update }).finally(bar.stop);
        const result = Object.fromEntries(Object.entries(report).map(([k, v]) => [k, typeof v === 'number' ? round(v, 5) : v]));
        print(
          options,
          { ...result, noFaceHandling: 'a pair with a photo where no face was found is decided "different person"' },
          Object.entries(result).map(([k, v]) => `${k}: ${v}`).join('\n'),
        );
      }),
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
      process.stderr.write(`facegate: ${e instanceof FaceError || typeof e.code === 'string' ? `${e.code}: ` : ''}${e.message}\n`);
      process.exitCode = 1;
    }
  }
}
export { progressBar } from './progress.ts';
export { listGallery } from './gallery.ts';
