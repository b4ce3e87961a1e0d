import { GraphQLError } from 'graphql';

/**
 * Expected failures: each becomes a GraphQL object type (schema/errors.ts) with a stable `code`, so
 * clients branch on it. Thrown where a field has no error union (queries), they travel as GraphQL
 * errors with `extensions.code`; anything else is masked by Yoga as "Unexpected error."
 */
export class ApiError extends GraphQLError {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message, { extensions: { code } });
    this.name = new.target.name;
  }
}

export class UnauthorizedError extends ApiError {
  constructor(message = 'not authorized: sign in or use an API key with the required scope') {
    super('UNAUTHORIZED', message);
  }
}

export class NotFoundError extends ApiError {
  constructor(what: string) {
    super('NOT_FOUND', `${what} not found`);
  }
}

export class InvalidInputError extends ApiError {
  constructor(message: string) {
    super('INVALID_INPUT', message);
  }
}

export class RateLimitedError extends ApiError {
  constructor(
    readonly retryAfterSeconds: number,
    message = `too many attempts: retry in ${retryAfterSeconds} s`,
  ) {
    super('RATE_LIMITED', message);
  }
}

export type FaceRejectionCode =
  'NO_FACE' | 'MULTIPLE_FACES' | 'INVALID_IMAGE' | 'IMAGE_TOO_LARGE' | 'FACE_TOO_SMALL' | 'TOO_BLURRY' | 'POSE' | 'TOO_DARK' | 'TOO_BRIGHT';

/**
 * A photo was refused by the face engine (no face, several faces, not an image, too large) or by the
 * quality gates before any comparison (face too small, too blurred, turned away, too dark or bright).
 */
export class FaceRejectedError extends ApiError {
  constructor(
    code: FaceRejectionCode,
    message: string,
    /** The audit event recorded for this attempt, when it was a recognition attempt. */
    readonly auditEventId: string | null = null,
  ) {
    super(code, message);
  }
}

export class LoginFailedError extends ApiError {
  constructor(message = 'wrong email or password') {
    super('LOGIN_FAILED', message);
  }
}

/**
 * The password was right, and the account needs its second factor (code SECOND_FACTOR_REQUIRED): send
 * `challenge` with a TOTP or recovery code to loginSecondFactor, or, when `enrolmentRequired` (the site
 * requires a second factor and the account has none), enrol one with it (startTotpEnrolment).
 */
export class SecondFactorRequiredError extends ApiError {
  constructor(
    readonly challenge: string,
    readonly expiresAt: Date,
    readonly enrolmentRequired: boolean,
    /** The account has a passkey (startPasskeySignIn, loginPasskey). */
    readonly passkeyAvailable = false,
  ) {
    super(
      'SECOND_FACTOR_REQUIRED',
      enrolmentRequired
        ? 'this site requires a second factor: enrol an authenticator app to sign in'
        : passkeyAvailable
          ? 'confirm with your passkey, or enter the code of your authenticator app or a recovery code'
          : 'enter the code of your authenticator app, or a recovery code',
    );
  }
}

/** A new or changed administrator password that the strength check refuses. */
export class WeakPasswordError extends ApiError {
  constructor(
    message: string,
    /** What would make it stronger, in words. */
    readonly suggestions: readonly string[] = [],
  ) {
    super('WEAK_PASSWORD', message);
  }
}

/** A person of that name exists already: creating another asks for confirmation. */
export class DuplicateNameError extends ApiError {
  constructor(
    readonly personId: string,
    name: string,
  ) {
    super('DUPLICATE_NAME', `a person named ${name} exists already: confirm to create another`);
  }
}

/** A merge of a person into themselves (code MERGE_INTO_SELF): nothing was changed. */
export class MergeIntoSelfError extends ApiError {
  constructor() {
    super('MERGE_INTO_SELF', 'a person cannot be merged into themselves: choose two different people');
  }
}

/** The recognition workers' queue is full: the attempt is refused (and audited) rather than buffered. */
export class BusyError extends ApiError {
  constructor(readonly retryAfterSeconds: number) {
    super('BUSY', `the face engine is busy: retry in ${retryAfterSeconds} s`);
  }
}

/**
 * A settings change that moves the decision threshold far (code CONFIRMATION_REQUIRED): nothing was
 * saved; `warnings` say in plain words what it would do. Send `confirmLargeChange: true` to save it.
 */
export class ConfirmationRequiredError extends ApiError {
  constructor(readonly warnings: readonly string[]) {
    super('CONFIRMATION_REQUIRED', `not saved: ${warnings.join(' ')} Send confirmLargeChange: true to save this change.`);
  }
}

/**
 * A training run needs more people than the deployment (or the folder) has (code TOO_FEW_IDENTITIES):
 * identities with two or more photos, some learned from, some held out to stop early and to measure.
 */
export class TooFewIdentitiesError extends ApiError {
  constructor(
    readonly identities: number,
    readonly needed: number,
  ) {
    super('TOO_FEW_IDENTITIES', `training needs at least ${needed} people with two or more usable photos; there are ${identities}`);
  }
}

/**
 * Nothing was decided (code UNAVAILABLE): the database cannot be reached or cannot write (stopped,
 * restarting, disk full), or the face engine's worker stopped during the attempt. Retry after
 * retryAfterSeconds; the API recovers by itself (a new connection, a new worker).
 */
export class UnavailableError extends ApiError {
  constructor(
    message: string,
    readonly retryAfterSeconds = 1,
  ) {
    super('UNAVAILABLE', message);
  }
}

/**
 * A single sign-on that did not give a session (code SINGLE_SIGN_ON_FAILED): a state or nonce that does
 * not match, an expired or used sign-in, the provider's refusal, or no role mapped from its claims.
 */
export class SingleSignOnFailedError extends ApiError {
  constructor(
    message: string,
    /** The account (email) the provider named, for the security log; null when it was not reached. */
    readonly account: string | null = null,
  ) {
    super('SINGLE_SIGN_ON_FAILED', message);
  }
}

/** Password sign-in is turned off on this site (FACEGATE_LOCAL_ACCOUNTS=off): sign in with single sign-on. */
export class LocalAccountsDisabledError extends ApiError {
  constructor() {
    super('LOCAL_ACCOUNTS_DISABLED', 'password sign-in is turned off on this site: sign in with single sign-on');
  }
}
