import { rankCandidates, type Candidate, type Encoding, type FaceDatabase } from '../matching/match.ts';
import { DEFAULT_DECISION_CONFIG, type DecisionConfig } from './constants.ts';
import { decisionThresholds } from './decide.ts';

/**
 * The enrolled person (other than `self`) whom this new sample would be taken for: anyone within the
 * step-up threshold, where a door would already hesitate. Null when the face is new.
 */
export function findDuplicate(encoding: Encoding, database: FaceDatabase, self: string | null, config: DecisionConfig = DEFAULT_DECISION_CONFIG): Candidate | null {
  const { stepUpThreshold } = decisionThresholds(config);
  const nearest = rankCandidates(encoding, database, config.rule).find((c) => c.identity !== self);
  return nearest && nearest.distance < stepUpThreshold ? nearest : null;
}
