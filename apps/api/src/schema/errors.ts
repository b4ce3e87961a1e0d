import { builder } from '../builder.ts';
import {
  ApiError,
  BusyError,
  ConfirmationRequiredError,
  DuplicateNameError,
  FaceRejectedError,
  InvalidInputError,
  LocalAccountsDisabledError,
  LoginFailedError,
  MergeIntoSelfError,
  NotFoundError,
  RateLimitedError,
  SecondFactorRequiredError,
  SingleSignOnFailedError,
  UnauthorizedError,
  UnavailableError,
  WeakPasswordError,
} from '../errors.ts';

/** Every expected failure implements Error: a stable `code` to branch on and a readable `message`. */
export const ErrorInterface = builder.interfaceRef<{ code: string; message: string }>('Error').implement({
  fields: (t) => ({
    code: t.exposeString('code'),
    message: t.exposeString('message'),
  }),
});

/** An error type with nothing besides code and message. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any constructor: Pothos reads the instance type
function plainError(ErrorClass: new (...args: any[]) => ApiError, name: string): void {
  builder.objectType(ErrorClass, { name, interfaces: [ErrorInterface], isTypeOf: (e) => e instanceof ErrorClass });
}
plainError(UnauthorizedError, 'UnauthorizedError');
plainError(NotFoundError, 'NotFoundError');
plainError(InvalidInputError, 'InvalidInputError');
plainError(LoginFailedError, 'LoginFailedError');
plainError(SingleSignOnFailedError, 'SingleSignOnFailedError');
plainError(LocalAccountsDisabledError, 'LocalAccountsDisabledError');

builder.objectType(RateLimitedError, {
  name: 'RateLimitedError',
  interfaces: [ErrorInterface],
  isTypeOf: (e) => e instanceof RateLimitedError,
  fields: (t) => ({ retryAfterSeconds: t.exposeInt('retryAfterSeconds') }),
});
builder.objectType(SecondFactorRequiredError, {
  name: 'SecondFactorRequiredError',
  description:
    "The password was right and a second factor is needed (code SECOND_FACTOR_REQUIRED): send the challenge with a code to loginSecondFactor, or with a passkey's answer to loginPasskey (startPasskeySignIn gives the options), or, when enrolmentRequired, enrol with startTotpEnrolment and confirmTotpEnrolment. The challenge is valid 5 minutes, once.",
  interfaces: [ErrorInterface],
  isTypeOf: (e) => e instanceof SecondFactorRequiredError,
  fields: (t) => ({
    challenge: t.exposeString('challenge'),
    expiresAt: t.expose('expiresAt', { type: 'DateTime' }),
    enrolmentRequired: t.exposeBoolean('enrolmentRequired', {
      description: 'The site requires a second factor and this account has none yet.',
    }),
    passkeyAvailable: t.exposeBoolean('passkeyAvailable', {
      description: 'The account has a passkey: startPasskeySignIn, then loginPasskey.',
    }),
  }),
});
builder.objectType(WeakPasswordError, {
  name: 'WeakPasswordError',
  description: 'The password is too short, too long or too easy to guess (code WEAK_PASSWORD).',
  interfaces: [ErrorInterface],
  isTypeOf: (e) => e instanceof WeakPasswordError,
  fields: (t) => ({ suggestions: t.exposeStringList('suggestions') }),
});
builder.objectType(FaceRejectedError, {
  name: 'FaceRejectedError',
  description:
    'The photo was refused: code NO_FACE, MULTIPLE_FACES, INVALID_IMAGE or IMAGE_TOO_LARGE; or by the quality gates before any comparison: FACE_TOO_SMALL, TOO_BLURRY, POSE, TOO_DARK, TOO_BRIGHT (audited, see auditEventId).',
  interfaces: [ErrorInterface],
  isTypeOf: (e) => e instanceof FaceRejectedError,
  fields: (t) => ({ auditEventId: t.exposeString('auditEventId', { nullable: true }) }),
});

builder.objectType(DuplicateNameError, {
  name: 'DuplicateNameError',
  description: 'A person of that name exists already (code DUPLICATE_NAME): send confirmDuplicateName to create another.',
  interfaces: [ErrorInterface],
  isTypeOf: (e) => e instanceof DuplicateNameError,
  fields: (t) => ({ personId: t.exposeID('personId') }),
});

builder.objectType(MergeIntoSelfError, {
  name: 'MergeIntoSelfError',
  description: 'mergePeople was given the same person twice (code MERGE_INTO_SELF): nothing was changed.',
  interfaces: [ErrorInterface],
  isTypeOf: (e) => e instanceof MergeIntoSelfError,
});

builder.objectType(ConfirmationRequiredError, {
  name: 'ConfirmationRequiredError',
  description:
    'A large move of the decision threshold (code CONFIRMATION_REQUIRED): nothing was saved; send confirmLargeChange: true once the warnings were read.',
  interfaces: [ErrorInterface],
  isTypeOf: (e) => e instanceof ConfirmationRequiredError,
  fields: (t) => ({ warnings: t.exposeStringList('warnings') }),
});

builder.objectType(BusyError, {
  name: 'BusyError',
  description: 'The face engine is overloaded (code BUSY): the attempt was refused and audited; retry after retryAfterSeconds.',
  interfaces: [ErrorInterface],
  isTypeOf: (e) => e instanceof BusyError,
  fields: (t) => ({ retryAfterSeconds: t.exposeInt('retryAfterSeconds') }),
});

builder.objectType(UnavailableError, {
  name: 'UnavailableError',
  description:
    'Nothing was decided (code UNAVAILABLE): the database cannot be reached or write (stopped, restarting, disk full), or the face engine worker stopped during the attempt; retry after retryAfterSeconds.',
  interfaces: [ErrorInterface],
  isTypeOf: (e) => e instanceof UnavailableError,
  fields: (t) => ({ retryAfterSeconds: t.exposeInt('retryAfterSeconds') }),
});

/** Errors every mutation may answer with. */
export const COMMON_ERRORS = [UnauthorizedError, InvalidInputError, NotFoundError];
