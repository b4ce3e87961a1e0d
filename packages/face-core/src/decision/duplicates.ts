import type { Candidate, Encoding } from '../matching/match.ts';
import { DEFAULT_DECISION_CONFIG, type DecisionConfig } from './constants.ts';
import { decisionThresholds, nearestPeople, type DecisionGallery } from './decide.ts';

/**
 * The enrolled person (other than `self`) whom this new sample would be accepted as: anyone within the
 * verification threshold. Null when the face is new. (The step-up band is not used: the exercise's 96x96
 * office photos of different people come as close as 0.355, inside it.)
 */
export function findDuplicate(
  encoding: Encoding,
  database: DecisionGallery,
  self: string | null,
  config: DecisionConfig = DEFAULT_DECISION_CONFIG,
): Candidate | null {
  const { threshold } = decisionThresholds(config);
  const nearest = nearestPeople(database, encoding, config.rule, 2).find((c) => c.identity !== self);
  return nearest && nearest.distance < threshold ? nearest : null;
}
