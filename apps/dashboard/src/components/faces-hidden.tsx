/** What an account without faces:read sees where a face image would be: a neutral tile that says so. */
export const FACES_HIDDEN_TEXT = 'Face images are hidden for this account';

export function FacesHidden({ large = false }: { large?: boolean }) {
  return (
    <span className={`thumb faces-hidden${large ? ' large' : ''}`} role="img" aria-label={FACES_HIDDEN_TEXT} data-testid="faces-hidden">
      {large ? `${FACES_HIDDEN_TEXT}.` : 'Hidden'}
    </span>
  );
}

/** Said once per page above the lists, with who can change it. */
export function FacesHiddenNote() {
  return (
    <p className="alert note" role="note" data-testid="faces-hidden-note">
      {FACES_HIDDEN_TEXT}: faces show as grey tiles. An administrator can allow them for your account on the Settings page.
    </p>
  );
}
