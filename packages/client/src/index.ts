export {
  createDoorClient,
  unwrap,
  MAX_FRAMES,
  type AttemptOptions,
  type Claim,
  type Decision,
  type DoorAnswer,
  type DoorClient,
  type DoorEvent,
  type DoorResult,
  type Frame,
  type RecognitionEventFilter,
} from './door-client.ts';
export {
  DoorRequestError,
  FacegateError,
  FacegateGraphQLError,
  FacegateHttpError,
  FacegateNetworkError,
  type DoorError,
  type DoorErrorType,
} from './errors.ts';
export type { TransportOptions } from './transport.ts';
