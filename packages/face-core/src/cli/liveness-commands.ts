import { Command, Option } from 'commander';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createFaceEngine } from '../engine.ts';
import { DEFAULT_FEATURE_SPEC, DEFAULT_TRAINING_CONFIG, LIVENESS_MODEL_ID } from '../liveness/constants.ts';
import { readPadDir } from '../liveness/dataset.ts';
import { crossValidateLiveness, extractPadFeatures, livenessReport, scoreWithArtefact, trainingExamples, type PadFace } from '../liveness/evaluate.ts';
import { DEFAULT_WEIGHTS_PATH, readArtefact } from '../liveness/liveness.ts';
import type { FeatureSpec } from '../liveness/features.ts';
import { toArtefact, trainLiveness } from '../liveness/train.ts';
import { progressBar } from './progress.ts';

interface Output {
  json?: boolean;
}

/** Numbers rounded to 5 digits, at any depth. */
function roundDeep<T>(value: T): T {
  return JSON.parse(JSON.stringify(value, (_, v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? Number(v.toFixed(5)) : v))) as T;
}

function print(options: Output, result: object, text: string): void {
  process.stdout.write(options.json ? `${JSON.stringify(result)}\n` : `${text}\n`);
}

async function facesOf(dir: string, spec: FeatureSpec): Promise<PadFace[]> {
  const samples = await readPadDir(dir);
  const engine = await createFaceEngine();
  const bar = progressBar('finding faces');
  try {
    return await extractPadFeatures(engine, samples, spec, bar.update);
  } finally {
    bar.stop();
    engine.dispose();
  }
}

const percent = (v: number) => `${(100 * v).toFixed(1)} %`;

/** Adds `train-liveness` and `eval liveness` to the facegate command. */
export function addLivenessCommands(program: Command): void {
  const jsonOption = new Option('--json', 'print exactly one JSON object on stdout');

  program
    .command('train-liveness')
    .description('train the liveness (presentation-attack) classifier on <dir>/live and <dir>/spoof with labels.csv, and write its weights')
    .requiredOption('--dir <dir>', 'presentation-attack set: live/, spoof/, labels.csv (file,label,subject,source,attack)')
    .option('--out <file>', 'where to write the weights', DEFAULT_WEIGHTS_PATH)
    .addOption(jsonOption)
    .action(async (options: Output & { dir: string; out: string }) => {
      const faces = await facesOf(options.dir, DEFAULT_FEATURE_SPEC);
      const examples = trainingExamples(faces);
      const trained = trainLiveness(examples, DEFAULT_TRAINING_CONFIG);
      const artefact = toArtefact(trained, DEFAULT_FEATURE_SPEC, examples, DEFAULT_TRAINING_CONFIG, faces.map((f) => f.hash).sort());
      await writeFile(options.out, `${JSON.stringify(artefact)}\n`);
      const result = roundDeep({
        model: LIVENESS_MODEL_ID,
        out: path.resolve(options.out),
        photos: faces.length,
        noFace: faces.filter((f) => !f.features).length,
        ...artefact.training,
        photoHashes: undefined,
        features: artefact.coefficients.length,
        lambda: artefact.lambda,
        thresholds: artefact.thresholds,
      });
      print(options, result, `trained on ${result.examples} faces (${result.live} live, ${result.attacks} attacks, ${result.subjects} subjects); lambda ${result.lambda}; thresholds ${JSON.stringify(result.thresholds)}; wrote ${result.out}`);
    });

  const evalCommand = program.commands.find((c) => c.name() === 'eval') ?? program.command('eval').description('measure accuracy on labelled photos');
  evalCommand
    .command('liveness')
    .description('APCER and BPCER of the liveness check on <dir>/live and <dir>/spoof: subject-disjoint cross-validation (cv, needs labels.csv) or the committed weights (model)')
    .requiredOption('--dir <dir>', 'presentation-attack set: live/, spoof/ and optionally labels.csv')
    .addOption(new Option('--protocol <protocol>', 'cv: leave-one-subject-out training and scoring; model: score with the trained weights').choices(['cv', 'model']))
    .option('--weights <file>', 'trained weights for --protocol model', DEFAULT_WEIGHTS_PATH)
    .addOption(jsonOption)
    .action(async (options: Output & { dir: string; protocol?: 'cv' | 'model'; weights: string }) => {
      const samples = await readPadDir(options.dir);
      const protocol = options.protocol ?? (samples.every((s) => s.subject !== null) ? 'cv' : 'model');
      const artefact = protocol === 'model' ? await readArtefact(options.weights) : null;
      const faces = await facesOf(options.dir, artefact?.spec ?? DEFAULT_FEATURE_SPEC);
      let extra: Record<string, unknown>;
      let scored;
      if (artefact) {
        scored = scoreWithArtefact(faces, artefact);
        const trainedOn = new Set(artefact.training.photoHashes ?? []);
        const seen = faces.filter((f) => trainedOn.has(f.hash)).length;
        if (seen > 0) process.stderr.write(`warning: ${seen} of ${faces.length} photos were used to train these weights: the figures are optimistic (use --protocol cv)\n`);
        extra = { protocol: 'model', weights: path.resolve(options.weights), thresholds: artefact.thresholds, photosInTrainingSet: seen };
      } else {
        const bar = progressBar('cross-validating');
        const cv = crossValidateLiveness(faces, DEFAULT_TRAINING_CONFIG, bar.update);
        bar.stop();
        scored = cv.scored;
        extra = { protocol: 'leave-one-subject-out', folds: Object.keys(cv.lambdas).length, lambdaByFold: cv.lambdas };
      }
      const report = livenessReport(scored);
      const result = roundDeep({
        model: LIVENESS_MODEL_ID,
        dir: path.resolve(options.dir),
        ...extra,
        operatingPoint: 'balanced',
        ...report,
        notes: [
          'apcer/bpcer: at the default (balanced) operating point, whose threshold was set without the scored subject; strict: the strict operating point',
          'bpcerAtApcer5/1 and apcerAtBpcer5: threshold swept over the pooled scores',
          'no face found: an attack counts as refused, a live face as refused',
          'byAttack: each attack type against every live photo',
          'bursts: runs of consecutive photos of one subject and class (overlapping), liveness fused as the API fuses a door burst (median of log-odds); only where a subject has that many photos (NUAA)',
        ],
      });
      const lines = [
        `${protocol === 'cv' ? 'leave-one-subject-out' : 'trained weights'}: ${report.live} live, ${report.attacks} attacks (no face: ${report.noFace.live} live, ${report.noFace.attacks} attacks)`,
        `default operating point: APCER ${percent(report.apcer)}, BPCER ${percent(report.bpcer)}; strict: APCER ${percent(report.strict.apcer)}, BPCER ${percent(report.strict.bpcer)}`,
        `BPCER at APCER 5 %: ${percent(report.bpcerAtApcer5)}, at 1 %: ${percent(report.bpcerAtApcer1)}; APCER at BPCER 5 %: ${percent(report.apcerAtBpcer5)}; AUC ${report.auc.toFixed(4)}`,
        ...Object.entries(report.bySource).map(([s, r]) => `  ${s}: APCER ${percent(r.apcer)}, BPCER ${percent(r.bpcer)}; BPCER at APCER 5 % ${percent(r.bpcerAtApcer5)}; AUC ${r.auc.toFixed(4)}`),
        ...Object.entries(report.byAttack).map(([a, r]) => `  ${a} (${r.attacks}): APCER ${percent(r.apcer)} (strict ${percent(r.apcerStrict)}); BPCER at APCER 5 % ${percent(r.bpcerAtApcer5)}`),
        ...report.bursts.map((b) => `  bursts of ${b.frames} frames (${b.live} live, ${b.attacks} attacks; fused by the median): APCER ${percent(b.apcer)}, BPCER ${percent(b.bpcer)}; APCER at BPCER 5 % ${percent(b.apcerAtBpcer5)}`),
      ];
      print(options, result, lines.join('\n'));
    });
}
