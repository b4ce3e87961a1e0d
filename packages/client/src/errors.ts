import type { DoorErrorFragment } from './generated/graphql.ts';

/** Every error this client throws. */
export class FacegateError extends Error {
  override name = 'FacegateError';
}

/** The API answered with an HTTP status other than 200 (a proxy, `/graphql` not found, 503 while starting). */
export class FacegateHttpError extends FacegateError {
  override name = 'FacegateHttpError';
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`HTTP ${status} from the facegate API${body ? `: ${body.slice(0, 200)}` : ''}`);
  }
}

/** The API could not be reached (refused connection, DNS, aborted). */
export class FacegateNetworkError extends FacegateError {
  override name = 'FacegateNetworkError';
}

/**
 * Top-level GraphQL errors: the request itself was wrong (validation, a missing scope on a field,
 * a subscription without audit:read) or something unexpected happened (masked by the API).
 */
export class FacegateGraphQLError extends FacegateError {
  override name = 'FacegateGraphQLError';
  constructor(
    readonly errors: readonly { message: string; extensions?: Record<string, unknown> }[],
    /** What the API answered besides the errors: null when the whole operation was refused. */
    readonly data: unknown = null,
  ) {
    super(errors.map((e) => e.message).join('; ') || 'GraphQL error');
  }
  /** The first error's `extensions.code` (e.g. UNAUTHORIZED), when the API set one. */
  get code(): string | undefined {
    const code = this.errors[0]?.extensions?.code;
    return typeof code === 'string' ? code : undefined;
  }
}

/** An expected failure the API answered as a typed result (FaceRejectedError, BusyError, ...). */
export type DoorError = DoorErrorFragment;
export type DoorErrorType = DoorError['__typename'];

/** Thrown by `unwrap` (and the `...OrThrow` methods) for a typed error result. */
export class DoorRequestError extends FacegateError {
  override name = 'DoorRequestError';
  constructor(readonly error: DoorError) {
    super(`${error.code}: ${error.message}`);
  }
  get type(): DoorErrorType {
    return this.error.__typename;
  }
  get code(): string {
    return this.error.code;
  }
  /** BUSY, RATE_LIMITED and UNAVAILABLE: seconds to wait before trying again; otherwise null (retrying will not help). */
  get retryAfterSeconds(): number | null {
    return 'retryAfterSeconds' in this.error ? this.error.retryAfterSeconds : null;
  }
}
