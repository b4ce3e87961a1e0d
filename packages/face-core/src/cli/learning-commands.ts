import { Command, Option } from 'commander';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parsePairList } from '../evaluation/pairs.ts';
import { CAMERA_CONDITIONS, DEFAULT_TRAINING_CONFIG, type Mining, type Selection, type TrainingConfig } from '../learning/constants.ts';
import { headArtefact, saveHead } from '../learning/head.ts';
import { trainHead, type EpochStats } from '../learning/train.ts';
import { load as loadViewEncoder, readLabelledViews } from '../learning/views.ts';
import { listGallery } from './gallery.ts';
import { progressBar } from './progress.ts';

interface TrainOptions {
  dir: string;
  out?: string;
  condition?: string;
  exclude: string[];
  alpha: number;
  mining: Mining;
  select: Selection;
  epochs: number;
  patience: number;
  learningRate: number;
  weightDecay: number;
  seed: number;
  json?: boolean;
}

const r5 = (v: number) => (Number.isFinite(v) ? Number(v.toFixed(5)) : v);

/** Every identity named in an LFW pair list (either name of each pair). */
async function identitiesOfPairList(file: string): Promise<Set<string>> {
  const list = parsePairList(await readFile(file, 'utf8'), '.');
  const names = new Set<string>();
  for (const pair of list.folds.flat()) for (const f of [pair.a, pair.b]) names.add(path.basename(path.dirname(f)));
  return names;
}

/** Adds `facegate train`: a triplet-loss head on top of the frozen encoder. */
export function addLearningCommands(program: Command): void {
  program
    .command('train')
    .description('learn a head (128 -> 128, identity at the start) on top of the frozen encoder with the triplet loss, from <dir>/<name>/*')
    .requiredOption('--dir <dir>', 'one folder of photos per person (e.g. lfw-view1)')
    .option('--out <file>', 'where to write the head (JSON); default head-<id>.json in the current folder')
    .addOption(
      new Option('--condition <name>', 'train on copies degraded as a site camera would take them').choices(Object.keys(CAMERA_CONDITIONS)),
    )
    .option(
      '--exclude <pairs>',
      'leave out every identity named in this LFW pair list (e.g. pairsDevTest.txt, to test on it)',
      (v: string, all: string[]) => [...all, v],
      [],
    )
    .option('--alpha <margin>', 'triplet margin', parseFloat, DEFAULT_TRAINING_CONFIG.alpha)
    .addOption(
      new Option('--mining <kind>', 'online negative mining').choices(['semi-hard', 'hard']).default(DEFAULT_TRAINING_CONFIG.mining),
    )
    .addOption(
      new Option(
        '--select <criterion>',
        'which epoch early stopping keeps: lowest held-out FNMR at FMR 1e-3, or lowest held-out triplet loss (epoch 0, the encoder alone, competes)',
      )
        .choices(['fnmr', 'triplet-loss'])
        .default(DEFAULT_TRAINING_CONFIG.selection),
    )
    .option('--epochs <n>', 'most epochs', (v) => parseInt(v, 10), DEFAULT_TRAINING_CONFIG.maxEpochs)
    .option(
      '--patience <n>',
      'stop after this many epochs without a better held-out loss',
      (v) => parseInt(v, 10),
      DEFAULT_TRAINING_CONFIG.patience,
    )
    .option('--learning-rate <rate>', 'Adam step', parseFloat, DEFAULT_TRAINING_CONFIG.learningRate)
    .option('--weight-decay <lambda>', 'L2 pull towards the identity map', parseFloat, DEFAULT_TRAINING_CONFIG.weightDecay)
    .option('--seed <n>', 'split, batches and views', (v) => parseInt(v, 10), DEFAULT_TRAINING_CONFIG.seed)
    .addOption(new Option('--json', 'print exactly one JSON object on stdout'))
    .action(async (options: TrainOptions) => {
      const condition = options.condition ? CAMERA_CONDITIONS[options.condition] : undefined;
      const excluded = new Set<string>();
      for (const file of options.exclude) for (const name of await identitiesOfPairList(file)) excluded.add(name);
      const gallery = new Map([...(await listGallery(options.dir))].filter(([name]) => !excluded.has(name)));
      const encoder = await loadViewEncoder();
      const bar = progressBar(`encoding (cached by file hash)`);
      let data;
      try {
        data = await readLabelledViews(encoder, gallery, condition, bar.update);
      } finally {
        bar.stop();
        encoder.dispose();
      }
      const config: Partial<TrainingConfig> = {
        alpha: options.alpha,
        mining: options.mining,
        selection: options.select,
        maxEpochs: options.epochs,
        patience: options.patience,
        learningRate: options.learningRate,
        weightDecay: options.weightDecay,
        seed: options.seed,
      };
      process.stderr.write(
        `${data.people.size} identities, ${data.photos} photos (${data.noFace} without a face, ${encoder.computed} encoded now, the rest from the cache)\n`,
      );
      process.stderr.write('epoch  train loss  active  held-out loss  (hardest negatives)  held-out FNMR@FMR1e-3\n');
      const onEpoch = (s: EpochStats) =>
        process.stderr.write(
          `${String(s.epoch).padStart(5)}  ${s.trainLoss.toFixed(5).padStart(10)}  ${(100 * s.activeTriplets).toFixed(1).padStart(5)}%  ${s.heldOutLoss.toFixed(5).padStart(13)}  ${s.heldOutHardestLoss.toFixed(5).padStart(19)}  ${(100 * s.heldOutFnmr).toFixed(2).padStart(20)}%\n`,
        );
      const result = await trainHead(data.people, config, onEpoch);
      const metrics = {
        heldOutLossBefore: result.heldOutLossBefore,
        heldOutLossAfter: result.heldOutLossAfter,
        bestEpoch: result.bestEpoch,
        stoppedEarly: result.stoppedEarly,
        curve: result.curve.map((s) => Object.fromEntries(Object.entries(s).map(([k, v]) => [k, r5(v)]))),
      };
      const training = {
        dir: path.resolve(options.dir),
        condition: condition ?? null,
        excludedPairLists: options.exclude.map((f) => path.resolve(f)),
        photos: data.photos,
        noFace: data.noFace,
        trainPhotos: result.trainPhotos,
        trainIdentities: result.trainIdentities,
        heldOutIdentities: result.heldOutIdentities,
        config: { ...DEFAULT_TRAINING_CONFIG, ...config },
        views: 'each photo as its aligned chip, its mirror image, or their mean (the engine encoding), at random',
      };
      const artefact = headArtefact(encoder.modelId, result.weights, result.bias, training, metrics);
      const out = options.out ?? `head-${artefact.id}.json`;
      await saveHead(out, artefact);
      const summary = {
        file: out,
        id: artefact.id,
        modelId: artefact.modelId,
        trainIdentities: result.trainIdentities.length,
        heldOutIdentities: result.heldOutIdentities.length,
        heldOutLossBefore: r5(result.heldOutLossBefore.all),
        heldOutLossAfter: r5(result.heldOutLossAfter.all),
        heldOutHardestBefore: r5(result.heldOutLossBefore.hardest),
        heldOutHardestAfter: r5(result.heldOutLossAfter.hardest),
        heldOutFnmrBefore: r5(result.heldOutLossBefore.fnmrAtFmr1e3),
        heldOutFnmrAfter: r5(result.heldOutLossAfter.fnmrAtFmr1e3),
        bestEpoch: result.bestEpoch,
        epochs: result.curve.length,
        identity: result.bestEpoch === 0,
      };
      process.stdout.write(
        options.json
          ? `${JSON.stringify(summary)}\n`
          : `${Object.entries(summary)
              .map(([k, v]) => `${k}: ${v}`)
              .join('\n')}\n${
              result.bestEpoch === 0
                ? 'no epoch beat the encoder alone on the held-out identities: the saved head is the identity map (nothing to gain from it)'
                : `measure it with --head ${out} (eval lfw, eval open-set) before relying on it`
            }\n`,
      );
    });
}
