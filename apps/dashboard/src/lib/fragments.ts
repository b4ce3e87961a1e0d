import { graphql } from '@/generated';

// Fragments several documents share. Codegen adds a fragment's text to every document that spreads it
// (`...PhotoFacesFields`), and types it as e.g. PhotoFacesFieldsFragment in '@/generated/graphql'.

/** A mutation's expected failure (a typed error of its result union), for `isError` and the page's words. */
export const MutationErrorFragment = graphql(`
  fragment MutationError on Error {
    code
    message
  }
`);

/** A sign-in step's refusal: RATE_LIMITED says how long to wait. */
export const SignInRefusalFragment = graphql(`
  fragment SignInRefusal on Error {
    code
    message
    ... on RateLimitedError {
      retryAfterSeconds
    }
  }
`);

/** Where a connection's next page starts. */
export const NextPageFragment = graphql(`
  fragment NextPage on PageInfo {
    hasNextPage
    endCursor
  }
`);

export const ConsoleDoorFragment = graphql(`
  fragment ConsoleDoor on Door {
    id
    name
    location
  }
`);

export const PhotoFacesFieldsFragment = graphql(`
  fragment PhotoFacesFields on PhotoFaces {
    width
    height
    faceCount
    faces {
      x
      y
      width
      height
      score
      used
      note
    }
  }
`);

export const QualityCheckFieldsFragment = graphql(`
  fragment QualityCheckFields on QualityCheck {
    reason
    measure
    value
    bound
    limit
    pass
  }
`);

export const RecognitionResultFieldsFragment = graphql(`
  fragment RecognitionResultFields on RecognitionResult {
    decision
    reason
    distance
    threshold
    stepUpThreshold
    stepUpReason
    livenessScore
    livenessPoints {
      attack
      live
    }
    pinTriesLeft
    photos {
      ...PhotoFacesFields
    }
    person {
      id
      name
      thumbnail
    }
    candidates {
      distance
      person {
        id
        name
        thumbnail
      }
    }
    event {
      id
      thumbnail
      doorId
      markedLive
      rivalPersonId
      rivalLabel
      rivalDistance
    }
  }
`);

/** An audit row as the CSV export writes it (no face image). */
export const AuditRowFragment = graphql(`
  fragment AuditRow on RecognitionEvent {
    id
    createdAt
    kind
    door {
      id
      name
    }
    apiKeyId
    adminId
    claimedLabel
    claimedPersonId
    decidedLabel
    decidedPersonId
    distance
    threshold
    decision
    reason
  }
`);

/** An audit row as the audit table shows it, with its face. */
export const RecognitionEventFieldsFragment = graphql(`
  fragment RecognitionEventFields on RecognitionEvent {
    ...AuditRow
    thumbnail
  }
`);

/** A face refused at a door, as the Learn page groups them. */
export const DoorFaceFragment = graphql(`
  fragment DoorFace on DoorFace {
    usable
    nearestDistance
    nearestPerson {
      id
      name
    }
    event {
      id
      createdAt
      reason
      claimedLabel
      thumbnail
      door {
        name
      }
    }
  }
`);

/** A webhook as its pages list it (webhooks/webhook-text.ts's WebhookRow). */
export const WebhookRowFragment = graphql(`
  fragment WebhookRow on Webhook {
    id
    name
    url
    decisions
    doorIds
    active
    createdAt
  }
`);
