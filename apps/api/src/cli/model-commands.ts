import { Option, type Command } from 'commander';
import { readFile } from 'node:fs/promises';
import type { ModelReplay } from '../services/models/index.ts';
import { withApp } from './with-app.ts';

/** Two histograms side by side, one line per bin of 0.05 that either model has attempts in. */
function histograms(a: ModelReplay, b: ModelReplay): string {
  const peak = Math.max(1, ...a.histogram, ...b.histogram);
  const bar = (n: number) => '#'.repeat(Math.round((20 * n) / peak)).padEnd(20);
  const lines = ['distance     now                        candidate'];
  a.histogram.forEach((n, i) => {
    const m = b.histogram[i] ?? 0;
    if (n === 0 && m === 0) return;
    lines.push(
      `${(i * 0.05).toFixed(2)}-${((i + 1) * 0.05).toFixed(2)}  ${bar(n)} ${String(n).padStart(4)}  ${bar(m)} ${String(m).padStart(4)}`,
    );
  });
  return lines.join('\n');
}

/** `facegate models ...`: the deployment's model versions from the command line (DATABASE_URL). */
export function addModelCommands(program: Command): Command {
  const models = program.command('models').description("the deployment's model versions: compare a head on the audit history, activate it");
  const json = new Option('--json', 'print exactly one JSON object on stdout');

  models
    .command('compare')
    .description(
      "replay the deployment's audit history (the face images kept) with the active model and another: how many decisions would change, and each model's distances",
    )
    .addOption(
      new Option('--head <file>', 'a head written by facegate train (stored in the database, so it can be activated later)').conflicts(
        'encoder',
      ),
    )
    .addOption(new Option('--encoder', 'compare with the encoder alone'))
    .option('--last <n>', 'attempts to replay (at most 2,000)', (v) => parseInt(v, 10), 200)
    .addOption(json)
    .action((options: { head?: string; encoder?: boolean; last: number; json?: boolean }) =>
      withApp(async (app) => {
        if (!options.head && !options.encoder) throw new Error('name the candidate: --head FILE or --encoder');
        const head = options.head ? await app.services.models.addHead(await readFile(options.head, 'utf8')) : null;
        const c = await app.services.models.compare(head?.id ?? null, options.last);
        if (options.json)
          return void process.stdout.write(
            `${JSON.stringify({ ...c, changes: c.changes.filter((x) => x.before !== x.after || x.beforePersonId !== x.afterPersonId) })}\n`,
          );
        process.stdout.write(
          [
            `now:       ${c.current.model}`,
            `candidate: ${c.candidate.model}${c.candidate.samplesMissing ? ` (${c.candidate.samplesMissing} samples without an encoding in it)` : ''}`,
            `${c.attempts} decided attempts with a face image kept, ${c.replayed} replayed with both (${c.unreadable} not: no face found again, or the claimed person erased)`,
            `unchanged ${c.unchanged}; accepted -> refused or step-up ${c.acceptedToRefused}; refused or step-up -> accepted ${c.refusedToAccepted}; accepted as another person ${c.personChanged}`,
            `now:       ${c.current.accepted} accepted, ${c.current.stepUp} step-up, ${c.current.refused} refused`,
            `candidate: ${c.candidate.accepted} accepted, ${c.candidate.stepUp} step-up, ${c.candidate.refused} refused`,
            histograms(c.current, c.candidate),
            "face decisions only, with today's settings (access policy, liveness and PINs left aside)",
          ].join('\n') + '\n',
        );
      }),
    );

  models
    .command('activate')
    .description(
      're-encode every sample with another model, then switch decisions to it (the API instances run the job; --wait runs it here)',
    )
    .addOption(new Option('--head <file>', 'a head written by facegate train').conflicts('encoder'))
    .addOption(new Option('--encoder', 'back to the encoder alone'))
    .option('--wait', 'stay until the switch (this process runs the job if no API instance holds it)')
    .addOption(json)
    .action((options: { head?: string; encoder?: boolean; wait?: boolean; json?: boolean }) =>
      withApp(async (app) => {
        if (!options.head && !options.encoder) throw new Error('name the model: --head FILE or --encoder');
        const head = options.head ? await app.services.models.addHead(await readFile(options.head, 'utf8')) : null;
        let change = await app.services.models.requestChange(head?.id ?? null, null);
        while (options.wait && change.status === 'running') {
          await app.services.models.tick();
          await new Promise((r) => setTimeout(r, 500));
          change = (await app.db.prisma.modelChange.findUniqueOrThrow({ where: { id: change.id } })) as typeof change;
        }
        const result = {
          id: change.id,
          status: change.status,
          toModel: change.toModel,
          done: change.done,
          total: change.total,
          failed: change.failed,
        };
        process.stdout.write(
          options.json
            ? `${JSON.stringify(result)}\n`
            : `${change.status === 'done' ? 'switched to' : 'changing to'} ${change.toModel}: ${change.done} of ${change.total} samples re-encoded${change.failed ? `, ${change.failed} without a face` : ''}\n`,
        );
      }),
    );

  models
    .command('encoder')
    .argument('<precision>', 'float32 or int8')
    .description(
      'move the deployment (DATABASE_URL) to another encoder: the database remembers it, a running model change is cancelled, the encoder alone becomes the active model; restart every API instance, and they re-encode every face in the background (people are not recognised until theirs is done)',
    )
    .option('--drop-head', 'move even though a head is the active model (the encoder alone takes its place)')
    .addOption(json)
    .action(async (precision: string, options: { dropHead?: boolean; json?: boolean }) => {
      // The database alone: no recognition pool, no encoder of this process's (a way out when the API cannot start).
      const [{ encoderModelId, encoderPrecision }, { loadConfig }, { createDb }, { moveEncoder }] = await Promise.all([
        import('@facegate/face-core'),
        import('../config.ts'),
        import('../db/index.ts'),
        import('../services/models/index.ts'),
      ]);
      const db = createDb({ databaseUrl: loadConfig().DATABASE_URL });
      try {
        await db.migrate();
        const moved = await moveEncoder(db.prisma, encoderModelId(encoderPrecision(precision)), null, {
          dropHead: options.dropHead === true,
        });
        process.stdout.write(
          options.json
            ? `${JSON.stringify(moved)}\n`
            : `the database's encoder: ${moved.from ?? '(none recorded)'} -> ${moved.to}${moved.droppedHead ? ` (head ${moved.droppedHead} no longer active)` : ''}; restart the API: it re-encodes ${moved.faces} face samples in the background\n`,
        );
      } finally {
        await db.close();
      }
    });
  return program;
}
