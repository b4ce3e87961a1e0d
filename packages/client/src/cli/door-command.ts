import { Command, InvalidArgumentError, Option } from 'commander';
import { createDoorClient, type Claim, type DoorAnswer, type DoorClient, type DoorEvent, type DoorResult } from '../door-client.ts';
import { FacegateError, type DoorError } from '../errors.ts';
import { readFrames } from './read-frames.ts';
import { readPin } from './read-pin.ts';

/** Exit codes: a door script opens the lock on 0 only. */
export const EXIT = { OPENED: 0, FAILED: 1, SHUT: 3 } as const;

interface DoorOptions {
  url: string;
  key?: string;
  claim?: string;
  card?: string;
  person?: string;
  door?: string;
  pin?: string;
  watch?: boolean;
  events?: number;
  json?: boolean;
}

const write = (line: string) => process.stdout.write(`${line}\n`);
const fixed = (n: number | null | undefined) => (n == null ? '?' : n.toFixed(3));

export function describeResult(r: DoorResult): string {
  // A door key reads no scores (audit:read does): the reason is then accepted, step_up, try_again or refused.
  const frames = r.framesUsed == null ? '' : `, ${r.framesUsed} frame${r.framesUsed === 1 ? '' : 's'}`;
  const distance = r.distance == null ? '' : `, distance ${fixed(r.distance)}, threshold ${fixed(r.threshold)}`;
  switch (r.decision) {
    case 'ACCEPTED':
      return `ACCEPTED  ${r.person?.name ?? '?'} (${r.reason}${distance}${frames}): open the door`;
    case 'STEP_UP':
      return `STEP_UP   ${r.stepUpReason ?? r.reason}: the door stays shut unless the PIN completes it (${r.pinTriesLeft == null ? 'nobody it could be has a PIN' : `${r.pinTriesLeft} ${r.pinTriesLeft === 1 ? 'try' : 'tries'} left`}, until ${r.stepUpExpiresAt ?? '?'}); attempt ${r.attemptId}`;
    default:
      return `${r.decision.padEnd(9)} ${r.reason}${distance}: the door stays shut`;
  }
}

export function describeError(e: DoorError): string {
  const retry = 'retryAfterSeconds' in e ? ` (retry after ${e.retryAfterSeconds} s)` : '';
  return `${e.code}: ${e.message}${retry}: the door stays shut`;
}

export function describeEvent(e: DoorEvent): string {
  const who = e.decidedLabel ?? e.claimedLabel ?? '';
  const pin = e.pinTries > 0 ? ` pin tries ${e.pinTries}` : '';
  return [e.completedAt ?? e.createdAt, e.door?.name ?? e.doorId ?? '-', e.kind, e.decision, e.reason + pin, who].join('  ').trimEnd();
}

function claimOf(options: DoorOptions): Claim | null {
  const given = [options.claim !== undefined, options.card !== undefined, options.person !== undefined].filter(Boolean).length;
  if (given > 1) throw new InvalidArgumentError('give one of --claim, --card or --person');
  if (options.claim !== undefined) return { name: options.claim };
  if (options.card !== undefined) return { cardId: options.card };
  if (options.person !== undefined) return { personId: options.person };
  return null;
}

/** Sends the frames, then completes a STEP_UP with --pin or (on a terminal) PINs typed until it ends. */
async function attempt(client: DoorClient, target: string, options: DoorOptions): Promise<{ first: DoorAnswer; final: DoorAnswer }> {
  const frames = await readFrames(target);
  const claim = claimOf(options);
  const door = options.door === undefined ? {} : { doorId: options.door };
  const first = claim ? await client.verifyFace(claim, frames, door) : await client.identifyFace(frames, door);
  let final = first;
  if (!options.json) write(first.ok ? describeResult(first.result) : describeError(first.error));
  let pin = options.pin;
  const prompting = pin === undefined && process.stdin.isTTY === true;
  while (final.ok && final.result.decision === 'STEP_UP' && final.result.pinTriesLeft != null) {
    if (pin === undefined && prompting) pin = (await readPin(`PIN for attempt ${final.result.attemptId}: `)) ?? undefined;
    if (pin === undefined) break;
    final = await client.completeStepUp(final.result.attemptId, pin);
    if (!options.json) write(final.ok ? describeResult(final.result) : describeError(final.error));
    // A PIN given on the command line is tried once; at a terminal the person may try again.
    pin = undefined;
    if (!prompting) break;
  }
  return { first, final };
}

async function watch(events: AsyncGenerator<DoorEvent>, options: DoorOptions): Promise<void> {
  let seen = 0;
  if (options.events === 0) return;
  for await (const event of events) {
    write(options.json ? JSON.stringify({ event }) : describeEvent(event));
    if (options.events !== undefined && ++seen >= options.events) return;
  }
}

async function run(target: string | undefined, options: DoorOptions): Promise<number> {
  const key = options.key ?? process.env.FACEGATE_KEY;
  if (!key) throw new InvalidArgumentError('no API key: pass --key or set FACEGATE_KEY');
  if (!target && !options.watch) throw new InvalidArgumentError('give a frame or a folder of frames, or --watch');
  const client = createDoorClient({ url: options.url, key });
  const stop = new AbortController();
  // Ctrl-C ends a watch cleanly; without --watch it keeps its default (exit at once).
  if (options.watch) process.once('SIGINT', () => stop.abort());
  if (options.watch) {
    // The API checks audit:read on each event, not when subscribing: without this check a key that
    // may not watch would wait silently until the first attempt.
    const me = await client.whoAmI();
    if (!me) throw new FacegateError('the API does not know this key (revoked or mistyped)');
    if (!me.scopes.includes('audit:read') && !me.scopes.includes('admin'))
      throw new FacegateError(`--watch needs a key with audit:read; this one has ${me.scopes.join(', ') || 'no scope'}`);
  }
  // Subscribe first, so the events of the attempt below are seen too.
  const subscription = options.watch ? client.recognitionEvents(options.door ? { doorId: options.door } : null, stop.signal) : null;
  await subscription?.ready;
  let code: number = EXIT.OPENED;
  if (target) {
    const { first, final } = await attempt(client, target, options);
    if (options.json) {
      const body = final.ok
        ? {
            ok: true,
            decision: final.result.decision,
            result: final.result,
            ...(final !== first && first.ok ? { attempt: first.result } : {}),
          }
        : { ok: false, error: final.error };
      write(JSON.stringify(body));
    }
    // A key the API does not accept is the installer's error (1, on stderr), not the person's refusal (3).
    if (!final.ok && final.error.__typename === 'UnauthorizedError') {
      process.stderr.write(`error: ${final.error.code}: ${final.error.message} (check the key: --key or FACEGATE_KEY)\n`);
      code = EXIT.FAILED;
    } else code = final.ok && final.result.decision === 'ACCEPTED' ? EXIT.OPENED : EXIT.SHUT;
  }
  if (subscription) {
    await watch(subscription.events, options);
    stop.abort();
  }
  return code;
}

const count = (text: string) => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('a count (0 or more)');
  return n;
};

/** --url and --key, shared with `facegate camera`. */
export const urlOption = () =>
  new Option('--url <url>', 'the GraphQL endpoint').env('FACEGATE_URL').default('http://127.0.0.1:4000/graphql');
export const keyOption = () =>
  new Option('--key <key>', 'the door API key (fg_...; or FACEGATE_KEY, which keeps it out of the process list)');

/** The `door` command: plays a door against a facegate API. */
export function doorCommand(name = 'door'): Command {
  return new Command(name)
    .description(
      'play a door: send a frame (or the first 2-5 frames of a folder), print the decision, complete a step-up with the PIN, print live events',
    )
    .argument('[frames]', 'a photo, or a folder whose first 2-5 photos (by name) are one burst')
    .addOption(urlOption())
    .addOption(keyOption())
    .option('--claim <name>', 'verify (1:1) the person of that name')
    .option('--card <id>', 'verify (1:1) the holder of that card')
    .option('--person <id>', 'verify (1:1) the person with that id')
    .option('--door <id>', 'the door, for a key not bound to one (and the events to watch)')
    .option('--pin <pin>', 'complete a STEP_UP with this PIN (on a terminal it is asked for)')
    .option('--watch', 'print recognition events as they happen (the key needs audit:read); Ctrl-C stops')
    .addOption(new Option('--events <n>', 'with --watch: stop after n events').argParser(count))
    .option('--json', 'the decision as one JSON object; with --watch, one JSON object per event line')
    .showHelpAfterError()
    .action(async (target: string | undefined, options: DoorOptions) => {
      process.exitCode = await run(target, options);
    });
}

/** Runs a door command; API, network and file errors go to stderr with exit code 1. */
export async function runDoorCommand(command: Command, argv = process.argv): Promise<void> {
  try {
    await command.parseAsync(argv);
  } catch (error) {
    const message =
      error instanceof FacegateError || error instanceof InvalidArgumentError || (error instanceof Error && 'code' in error)
        ? error.message
        : String(error instanceof Error ? (error.stack ?? error.message) : error);
    process.stderr.write(`error: ${message}\n`);
    process.exitCode = EXIT.FAILED;
  }
}
