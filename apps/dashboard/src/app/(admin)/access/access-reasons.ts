// The access policy's refusals in words: the check form and the "who may pass" page say the same.
const REASONS: Record<string, string> = {
  inactive: 'the person is inactive',
  not_allowed_here: 'no group of theirs is allowed at this door (or, for a visitor, no pass names it)',
  outside_schedule: 'outside the schedules that let them in here',
  pass_expired: 'their visitor pass has expired',
  pass_not_yet_valid: 'their visitor pass is not valid yet',
  pass_revoked: 'their visitor pass was revoked',
};

/** The API's refusal code (accessCheck, whoMayPass) in words. */
export const refusalText = (reason: string | null): string => REASONS[reason ?? ''] ?? reason ?? 'not allowed';
