import { createHash } from 'node:crypto';
import { DOOR_CALIBRATION_STEP_UP, POINT_RULES, type LivenessOperatingPoint, type LivenessPoints } from './constants.ts';
import { bursts, groupWeightedQuantile, ratesAt, type LivenessRates, type ScoredPhoto } from './evaluate.ts';
import { doorLivePoint } from './score.ts';

/**
 * The honest protocol of `facegate eval liveness`:
 * - a lockbox: a quarter of each PAD source's subjects (at least one), picked by a hash of their ids
 *   before any choice, scored only when asked (`--open-lockbox`), once;
 * - the points are chosen on the choosing data only: the other (development) PAD subjects and the live
 *   folders' choosing people (LFW View 1 DevTrain);
 * - leave one database out: the points chosen without a PAD source, reported on it;
 * - live folders of other cameras report what share of live people a door would refuse or ask for a PIN;
 * - a door calibrated on a few live frames of a source it never saw, tested on that source's other subjects.
 */
const rank = (subject: string) => createHash('sha256').update(`facegate-liveness-lockbox:${subject}`).digest('hex');

/** The lockbox's subjects: per PAD source, the lowest-ranked quarter (at least one). */
export function lockboxSubjects(pad: readonly ScoredPhoto[]): Set<string> {
  const out = new Set<string>();
  for (const source of new Set(pad.map((p) => p.source))) {
    const subjects = [...new Set(pad.filter((p) => p.source === source).map((p) => p.subject))].sort((a, b) =>
      rank(a).localeCompare(rank(b)),
    );
    for (const s of subjects.slice(0, Math.max(1, Math.floor(subjects.length / 4)))) out.add(s);
  }
  return out;
}

export interface ChosenPoints {
  readonly points: Record<LivenessOperatingPoint, LivenessPoints>;
  readonly chosenOn: {
    readonly attackPoint: string;
    readonly livePoint: string;
    readonly live: number;
    readonly liveSubjects: number;
    readonly attacks: number;
    readonly attackGroups: number;
  };
}

/** The points of POINT_RULES on the choosing photos (no face: left out, it has no score to choose on). */
export function choosePoints(choosing: readonly ScoredPhoto[], describe: string): ChosenPoints {
  const lives = choosing.filter((p) => p.live && p.score !== null).map((p) => ({ value: p.score!, group: `${p.set}|${p.subject}` }));
  const attacks = choosing
    .filter((p) => !p.live && p.score !== null)
    .map((p) => ({ value: p.score!, group: `${p.set}|${p.subject}|${p.attack}` }));
  const attack = groupWeightedQuantile(lives, POINT_RULES.attackPointBpcer);
  // The live point sits just above the attack score that `apcer` of the attack weight lies above.
  const livePoint = (apcer: number) => Math.max(attack, groupWeightedQuantile(attacks, 1 - apcer) + 1e-9);
  return {
    points: {
      balanced: { attack, live: livePoint(POINT_RULES.livePointApcer.balanced) },
      strict: { attack, live: livePoint(POINT_RULES.livePointApcer.strict) },
    },
    chosenOn: {
      attackPoint: `refuses ${100 * POINT_RULES.attackPointBpcer} % of the live faces of ${describe}, each subject weighing the same`,
      livePoint: `accepts ${100 * POINT_RULES.livePointApcer.balanced} % (strict: ${100 * POINT_RULES.livePointApcer.strict} %) of the attacks of ${describe}, each subject's attack type weighing the same`,
      live: lives.length,
      liveSubjects: new Set(lives.map((l) => l.group)).size,
      attacks: attacks.length,
      attackGroups: new Set(attacks.map((a) => a.group)).size,
    },
  };
}

export interface HonestReport {
  readonly lockboxSubjects: string[];
  readonly chosen: ChosenPoints;
  /** The choosing PAD photos themselves at the chosen points: in-sample, not a test. */
  readonly developmentInSample: LivenessRates;
  readonly lockbox:
    | (Record<LivenessOperatingPoint, LivenessRates> & { bySource: Record<string, LivenessRates>; bursts: Record<string, LivenessRates> })
    | 'closed (--open-lockbox scores it)';
  /** Per held-out PAD source: the points chosen without it (its lockbox subjects left out too), its development subjects scored. */
  readonly leaveOneDatabaseOut: Record<string, { points: LivenessPoints; frames: LivenessRates; bursts: Record<string, LivenessRates> }>;
  /** Live folders' reporting photos at the chosen points. */
  readonly livePhotos: Record<string, Record<LivenessOperatingPoint, LivenessRates>>;
  /** A door calibrated on a few live frames of a PAD source nothing was chosen on, tested on its other subjects. */
  readonly doorCalibration: Record<
    string,
    { calibrationLive: number; calibrationSubjects: string[]; points: LivenessPoints; before: LivenessRates; after: LivenessRates }
  >;
}

export function honestProtocol(scored: readonly ScoredPhoto[], openLockbox: boolean): HonestReport {
  const pad = scored.filter((p) => p.role === 'pad');
  const lock = lockboxSubjects(pad);
  const dev = pad.filter((p) => !lock.has(p.subject));
  const chooseLive = scored.filter((p) => p.role === 'choose');
  const liveSets = [...new Set(chooseLive.map((p) => p.set))].map((s) => `${s} (DevTrain people)`);
  const describe = (padPart: string) => [padPart, ...liveSets].join(' and ');
  const chosen = choosePoints([...dev, ...chooseLive], describe("the PAD sets' development subjects (lockbox out)"));

  const lodo: HonestReport['leaveOneDatabaseOut'] = {};
  const doorCalibration: HonestReport['doorCalibration'] = {};
  const sources = [...new Set(pad.map((p) => p.source))].sort();
  for (const source of sources) {
    const others = dev.filter((p) => p.source !== source);
    if (!others.some((p) => !p.live)) continue;
    const points = choosePoints([...others, ...chooseLive], describe(`every PAD source but ${source}`)).points.balanced;
    const held = dev.filter((p) => p.source === source);
    const burstRates: Record<string, LivenessRates> = {};
    for (const k of [3, 5]) {
      const b = bursts(held, k);
      if (b.some((x) => x.live) && b.some((x) => !x.live)) burstRates[String(k)] = ratesAt(b, points);
    }
    lodo[`without ${source}`] = { points, frames: ratesAt(held, points), bursts: burstRates };

    // The door's own calibration: half of the held-out source's development subjects (by rank) lend
    // their live frames; the others are the door's later visitors, live and attacks.
    const subjects = [...new Set(held.map((p) => p.subject))].sort((a, b) => rank(a).localeCompare(rank(b)));
    const calibrators = new Set(subjects.slice(0, Math.ceil(subjects.length / 2)));
    const calibrationScores = held.filter((p) => calibrators.has(p.subject) && p.live && p.score !== null).map((p) => p.score!);
    const live = doorLivePoint(calibrationScores, points.attack, DOOR_CALIBRATION_STEP_UP, 1);
    if (live === null) continue;
    const visitors = held.filter((p) => !calibrators.has(p.subject));
    doorCalibration[source] = {
      calibrationLive: calibrationScores.length,
      calibrationSubjects: [...calibrators],
      points: { attack: points.attack, live },
      before: ratesAt(visitors, points),
      after: ratesAt(visitors, { attack: points.attack, live }),
    };
  }

  const livePhotos: HonestReport['livePhotos'] = {};
  const reporting = scored.filter((p) => p.role === 'report');
  for (const set of [...new Set(reporting.map((p) => p.set))].sort()) {
    const of = reporting.filter((p) => p.set === set);
    const name = chooseLive.some((p) => p.set === set) ? `${set} (people outside DevTrain)` : set;
    livePhotos[name] = { balanced: ratesAt(of, chosen.points.balanced), strict: ratesAt(of, chosen.points.strict) };
  }

  const locked = pad.filter((p) => lock.has(p.subject));
  const lockbox = () => {
    const bySource: Record<string, LivenessRates> = {};
    for (const source of sources)
      bySource[source] = ratesAt(
        locked.filter((p) => p.source === source),
        chosen.points.balanced,
      );
    const burstRates: Record<string, LivenessRates> = {};
    for (const k of [3, 5]) {
      const b = bursts(locked, k);
      if (b.some((x) => x.live) && b.some((x) => !x.live)) burstRates[String(k)] = ratesAt(b, chosen.points.balanced);
    }
    return {
      balanced: ratesAt(locked, chosen.points.balanced),
      strict: ratesAt(locked, chosen.points.strict),
      bySource,
      bursts: burstRates,
    };
  };
  return {
    lockboxSubjects: [...lock].sort(),
    chosen,
    developmentInSample: ratesAt(dev, chosen.points.balanced),
    lockbox: openLockbox ? lockbox() : 'closed (--open-lockbox scores it)',
    leaveOneDatabaseOut: lodo,
    livePhotos,
    doorCalibration,
  };
}
