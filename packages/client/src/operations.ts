import { graphql } from './generated/index.ts';

// The operations a door needs. Codegen reads these strings and types them from apps/api/schema.graphql;
// a field the schema drops or renames fails `npm run codegen` (and so typecheck), not a door at run time.

export const DoorResultFragment = graphql(`
  fragment DoorResult on RecognitionResult {
    decision
    accepted
    reason
    attemptId
    stepUpReason
    pinTriesLeft
    stepUpExpiresAt
    framesUsed
    distance
    threshold
    person {
      id
      name
    }
  }
`);

export const DoorErrorFragment = graphql(`
  fragment DoorError on Error {
    __typename
    code
    message
    ... on BusyError {
      retryAfterSeconds
    }
    ... on UnavailableError {
      retryAfterSeconds
    }
    ... on RateLimitedError {
      retryAfterSeconds
    }
    ... on FaceRejectedError {
      auditEventId
    }
  }
`);

export const VerifyFaceDocument = graphql(`
  mutation DoorVerifyFace($input: VerifyFaceInput!) {
    verifyFace(input: $input) {
      __typename
      ... on MutationVerifyFaceSuccess {
        data {
          ...DoorResult
        }
      }
      ...DoorError
    }
  }
`);

export const IdentifyFaceDocument = graphql(`
  mutation DoorIdentifyFace($image: File, $frames: [File!], $doorId: ID) {
    identifyFace(image: $image, frames: $frames, doorId: $doorId, candidates: 1) {
      __typename
      ... on MutationIdentifyFaceSuccess {
        data {
          ...DoorResult
        }
      }
      ...DoorError
    }
  }
`);

export const CompleteStepUpDocument = graphql(`
  mutation DoorCompleteStepUp($attemptId: ID!, $pin: String!) {
    completeStepUp(attemptId: $attemptId, pin: $pin) {
      __typename
      ... on MutationCompleteStepUpSuccess {
        data {
          ...DoorResult
        }
      }
      ...DoorError
    }
  }
`);

export const DoorEventFragment = graphql(`
  fragment DoorEvent on RecognitionEvent {
    id
    createdAt
    completedAt
    kind
    decision
    reason
    stepUpReason
    pinTries
    frames
    framesUsed
    distance
    threshold
    doorId
    door {
      id
      name
    }
    claimedLabel
    decidedLabel
    decidedPersonId
  }
`);

export const RecognitionEventsDocument = graphql(`
  subscription DoorRecognitionEvents($filter: RecognitionEventFilter) {
    recognitionEvents(filter: $filter) {
      ...DoorEvent
    }
  }
`);

export const WhoAmIDocument = graphql(`
  query DoorWhoAmI {
    me {
      id
      kind
      name
      scopes
    }
  }
`);
