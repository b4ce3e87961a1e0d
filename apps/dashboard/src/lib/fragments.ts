import { graphql } from '@/generated';

// Fragments several documents share. Codegen adds a fragment's text to every document that spreads it
// (`...PhotoFacesFields`), and types it as e.g. PhotoFacesFieldsFragment in '@/generated/graphql'.

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

export const RecognitionEventFieldsFragment = graphql(`
  fragment RecognitionEventFields on RecognitionEvent {
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
