const REASONS: Record<string, string> = {
  match: 'the face matches',
  no_match: 'the face does not match',
  not_in_database: 'nobody enrolled is close enough',
  unknown_person: 'no such person',
  inactive: 'the person is inactive',
  not_enrolled: 'the person has no enrolled photo',
  no_face: 'no face found in the photo',
  multiple_faces: 'more than one face in the photo',
  invalid_image: 'the file is not a readable image',
  image_too_large: 'the photo is too large',
  rate_limited: 'too many attempts, slowed down',
  ambiguous: 'two enrolled people are too close to call',
  borderline: 'close, but not close enough: a second factor may confirm',
  face_too_small: 'the face is too small to decide on',
  too_blurry: 'the face is too blurred to decide on',
  pose: 'the face is turned away',
  too_dark: 'the face is too dark',
  too_bright: 'the face is overexposed',
  presentation_attack: 'a printed photo or a screen, not a live face',
};

/** The audit log's reason code in plain words. */
export function reasonText(reason: string): string {
  return REASONS[reason] ?? reason.replace(/_/g, ' ');
}

const REJECTIONS: Record<string, string> = {
  NO_FACE: 'No face was found in this photo.',
  MULTIPLE_FACES: 'This photo shows several faces: choose the face to enrol below, or use a photo of this person alone.',
  NO_SUCH_FACE: 'No face was found where the face was chosen.',
  INVALID_IMAGE: 'This file is not an image facegate can read (use JPEG, PNG or WebP).',
  IMAGE_TOO_LARGE: 'This photo is too large.',
  FACE_TOO_SMALL: 'The face is too small in this photo; come closer or crop it.',
  FACE_BLURRED: 'The face is blurred in this photo.',
  TOO_BLURRY: 'The face is blurred in this photo; hold still.',
  POSE: 'The face is turned away; look at the camera.',
  TOO_DARK: 'The face is too dark; more light is needed.',
  TOO_BRIGHT: 'The face is overexposed.',
  DUPLICATE_FACE: 'This face is already enrolled as someone else.',
  ALREADY_ENROLLED: 'This photo is already enrolled; it was not stored again.',
  DUPLICATE_NAME: 'Someone of that name is already enrolled.',
};

/** Why a photo was refused, in plain words, keeping the API's detail. */
export function rejectionText(code: string, message: string): string {
  const plain = REJECTIONS[code];
  return plain ? `${plain} (${message})` : message;
}

export function formatDistance(distance: number | null | undefined): string {
  return distance === null || distance === undefined ? '—' : distance.toFixed(3);
}

export function formatTime(iso: string): string {
  const date = new Date(iso);
  return `${date.toISOString().slice(0, 10)} ${date.toISOString().slice(11, 19)} UTC`;
}

/** A decision as one word everywhere (STEP_UP is "step-up", never "step_up"). */
export function decisionWord(decision: string): string {
  return decision.toLowerCase().replace(/_/g, '-');
}

/** The calendar day (YYYY-MM-DD) of `date` in an IANA time zone. */
export function dayIn(date: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(date);
}
