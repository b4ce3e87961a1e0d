'use client';

import Link from 'next/link';
import { useEffect, useRef, useState, useTransition, type FormEvent } from 'react';
import { PhotoPicker } from '@/components/photo-picker';
import { PhotoWithFaces, QualityChecks } from '@/components/photo-faces';
import { useHydrated } from '@/components/use-hydrated';
import { formatDistance } from '@/lib/format';
import type { FaceBoxView } from '@/lib/photo-faces';
import { addToExisting, enrollAnyway, enrollPerson, type EnrollPhotoResult, type EnrollState } from './actions';

/** One photo sent: the photo with the faces found boxed, enrolled or why not, and its quality against the gates. */
function PhotoResult({
  result,
  url,
  onChoose,
  pending,
}: {
  result: EnrollPhotoResult;
  url: string | undefined;
  onChoose: (face: FaceBoxView) => void;
  pending: boolean;
}) {
  const several = result.code === 'MULTIPLE_FACES' && result.photo && result.photo.faces.length > 1 ? result.photo.faces : null;
  return (
    <li
      className="panel"
      data-testid="enroll-photo"
      data-enrolled={result.enrolled ? 'true' : 'false'}
      data-code={result.code ?? ''}
      style={{ margin: 0 }}
    >
      <p style={{ margin: '0 0 0.4rem', overflowWrap: 'anywhere' }}>
        <strong>{result.filename}</strong>:{' '}
        {result.enrolled ? (
          <span className="badge ACCEPTED">enrolled</span>
        ) : result.code === 'ALREADY_ENROLLED' ? (
          <span className="badge neutral">already enrolled</span>
        ) : (
          <span className="badge REFUSED">refused</span>
        )}
      </p>
      {result.photo ? (
        <PhotoWithFaces
          src={url ?? null}
          photo={result.photo}
          alt={`Photo ${result.filename}`}
          usedLabel={result.enrolled ? 'enrolled' : 'the face judged'}
          maxWidth={360}
        />
      ) : null}
      {/* A duplicate face is said once, in the warning below, with whom it matches. */}
      {result.text && !result.duplicateOf && (
        <p className={result.code === 'ALREADY_ENROLLED' ? 'alert warn' : 'alert error'}>
          {result.filename}: {result.text}
        </p>
      )}
      {result.duplicateOf && (
        <p className="alert warn" data-warning="duplicate-face">
          This face is already enrolled as <Link href={`/people/${result.duplicateOf.id}`}>{result.duplicateOf.name}</Link> (distance{' '}
          {formatDistance(result.duplicateOf.distance)}): most likely the same person under two names.
        </p>
      )}
      {several && (
        // A photo of several people: the administrator says which face is the person's (numbered as on the photo).
        <div className="row" role="group" aria-label={`Choose the face to enrol in ${result.filename}`} data-testid="choose-face">
          {several.map((face, i) => (
            <button key={i} type="button" className="secondary" onClick={() => onChoose(face)} disabled={pending}>
              Enrol face {i + 1}
            </button>
          ))}
        </div>
      )}
      <QualityChecks checks={result.qualityChecks} />
    </li>
  );
}

export function EnrollForm() {
  // Submitted by hand rather than as a form action: on a refusal the name and the photos stay, to be
  // corrected; only a successful enrollment empties the form.
  const [state, setState] = useState<EnrollState>({});
  const [pending, startTransition] = useTransition();
  const hydrated = useHydrated();
  const form = useRef<HTMLFormElement>(null);
  // The last submission (its photos, as object URLs for the boxes, and as files for an override).
  const last = useRef<FormData | null>(null);
  const [urls, setUrls] = useState<string[]>([]);
  const [confirmingOverride, setConfirmingOverride] = useState(false);
  useEffect(() => () => urls.forEach((u) => URL.revokeObjectURL(u)), [urls]);

  const send = (data: FormData) => {
    last.current = data;
    setConfirmingOverride(false);
    const files = data.getAll('photos').filter((f): f is File => f instanceof File && f.size > 0);
    startTransition(async () => {
      const next = await enrollPerson(state, data);
      setUrls(files.map((f) => URL.createObjectURL(f)));
      setState(next);
      if (next.enrolled) form.current?.reset();
    });
  };
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    send(new FormData(event.currentTarget));
  };
  /**
   * The face chosen in a photo of several people: for a person just created, that photo added to them;
   * otherwise the same submission again, with the face chosen for that photo.
   */
  const chooseFace = (index: number, face: FaceBoxView) => {
    const choice = { x: face.x, y: face.y, width: face.width, height: face.height };
    if (state.enrolled) {
      const data = new FormData();
      data.set('personId', state.enrolled.id);
      data.append('photos', files()[index]!);
      data.append('indices', String(index));
      data.set('faces', JSON.stringify([{ image: 0, ...choice }]));
      startTransition(async () => setState(await addToExisting(state, data)));
    } else if (last.current) {
      const data = new FormData();
      last.current.forEach((v, k) => data.append(k, v));
      const earlier = JSON.parse(String(last.current.get('faces') ?? '[]')) as { image: number }[];
      data.set('faces', JSON.stringify([...earlier.filter((c) => c.image !== index), { image: index, ...choice }]));
      send(data);
    }
  };
  /** DUPLICATE_NAME confirmed: the same submission, creating another person of that name. */
  const confirmName = () => {
    if (!last.current) return;
    const data = new FormData();
    last.current.forEach((v, k) => data.append(k, v));
    data.set('confirmDuplicateName', 'on');
    send(data);
  };
  const duplicates = (state.photos ?? []).filter((p) => p.code === 'DUPLICATE_FACE');
  // The people the refused faces were taken for, each with their photos.
  const matched = [...new Map(duplicates.map((d) => [d.duplicateOf!.id, d.duplicateOf!])).values()].map((who) => ({
    ...who,
    photos: duplicates.filter((d) => d.duplicateOf?.id === who.id),
  }));
  const files = () => last.current?.getAll('photos').filter((f): f is File => f instanceof File && f.size > 0) ?? [];
  /** The duplicate was right: these photos are that person's, added to them. */
  const addTo = (who: (typeof matched)[number]) => {
    const data = new FormData();
    data.set('personId', who.id);
    for (const d of who.photos) {
      data.append('photos', files()[d.index]!);
      data.append('indices', String(d.index));
    }
    startTransition(async () => setState(await addToExisting(state, data)));
  };
  /** DUPLICATE_FACE overridden by the administrator (after confirming): enrol the refused photos anyway. */
  const overrideDuplicates = () => {
    setConfirmingOverride(false);
    if (state.enrolled) {
      const data = new FormData();
      data.set('personId', state.enrolled.id);
      for (const d of duplicates) {
        data.append('photos', files()[d.index]!);
        data.append('indices', String(d.index));
      }
      startTransition(async () => setState(await enrollAnyway(state, data)));
    } else if (last.current) {
      // Nobody was created (every photo refused): the same submission again, duplicates allowed.
      const data = new FormData();
      last.current.forEach((v, k) => data.append(k, v));
      data.set('allowDuplicates', 'on');
      send(data);
    }
  };
  const err = state.fieldErrors ?? {};
  return (
    <>
      <form ref={form} onSubmit={submit} className="panel" aria-busy={pending}>
        <div className="field">
          <label htmlFor="name">Name</label>
          <input
            id="name"
            name="name"
            type="text"
            required
            aria-invalid={!!err.name}
            aria-describedby={err.name ? 'name-error' : undefined}
          />
          {err.name && (
            <p id="name-error" className="alert error">
              {err.name}
            </p>
          )}
        </div>
        <div className="field">
          <label htmlFor="cardId">
            Card id <span className="hint">optional; the badge number swiped at doors</span>
          </label>
          <input id="cardId" name="cardId" type="text" aria-invalid={!!err.cardId} />
          {err.cardId && <p className="alert error">{err.cardId}</p>}
        </div>
        <div className="field">
          <label htmlFor="notes">
            Notes <span className="hint">optional</span>
          </label>
          <textarea id="notes" name="notes" rows={2} />
        </div>
        <PhotoPicker name="photos" label="Photos of the face" multiple required autoCapture />
        {err.photos && (
          <p className="alert error" role="alert">
            {err.photos}
          </p>
        )}
        <button type="submit" disabled={pending || !hydrated}>
          {pending ? 'Enrolling… (finding and encoding faces)' : 'Enroll'}
        </button>
        <div aria-live="polite">
          {state.duplicateName ? (
            <div role="alert" className="alert warn" data-warning="duplicate-name">
              <p style={{ marginTop: 0 }}>
                <strong>
                  Someone named {state.duplicateName.name} is already enrolled
                  {state.duplicateName.personId ? (
                    <>
                      {' '}
                      (<Link href={`/people/${state.duplicateName.personId}`}>see them</Link>)
                    </>
                  ) : null}
                  .
                </strong>{' '}
                If this is the same person, add these photos on their page instead. If it is someone else of the same name, create another
                person.
              </p>
              <button type="button" onClick={confirmName} disabled={pending}>
                Create another {state.duplicateName.name}
              </button>
            </div>
          ) : (
            state.error && (
              <p role="alert" className="alert error">
                {state.error}
              </p>
            )
          )}
          {state.enrolled && (
            <div className="alert ok" role="status">
              {state.enrolled.thumbnail && (
                <img className="thumb" src={state.enrolled.thumbnail} alt="" style={{ float: 'left', marginRight: '0.6rem' }} />
              )}
              <Link href={`/people/${state.enrolled.id}`}>{state.enrolled.name}</Link> is enrolled with {state.enrolled.samples} face{' '}
              {state.enrolled.samples === 1 ? 'sample' : 'samples'}.
              <div style={{ clear: 'both' }} />
            </div>
          )}
          {state.addedTo && (
            <p className="alert ok" role="status" data-testid="added-to">
              {state.addedTo.added === 1 ? '1 photo' : `${state.addedTo.added} photos`} added to{' '}
              <Link href={`/people/${state.addedTo.id}`}>{state.addedTo.name}</Link>, who now has {state.addedTo.samples} face{' '}
              {state.addedTo.samples === 1 ? 'sample' : 'samples'}.
            </p>
          )}
          {duplicates.length > 0 && (
            <div role="alert" className="alert warn" data-warning="duplicate-faces">
              <p style={{ marginTop: 0 }}>
                <strong>
                  {duplicates.length === 1 ? 'One photo shows' : `${duplicates.length} photos show`} a face already enrolled under another
                  name
                </strong>{' '}
                ({matched.map((m) => m.name).join(', ')}). Most likely the same person: add the{' '}
                {duplicates.length === 1 ? 'photo' : 'photos'} to them
                {state.enrolled ? (
                  <>
                    , or{' '}
                    <Link href={`/people/${matched[0]!.id}?merge=${state.enrolled.id}`}>
                      merge {state.enrolled.name} into {matched[0]!.name}
                    </Link>
                  </>
                ) : null}
                . Enrol {duplicates.length === 1 ? 'it' : 'them'} as a new person only if these are different people who look alike: both
                would then be recognised, and a door may ask for a PIN when they are too close to call.
              </p>
              <div className="row">
                {matched.map((m) => (
                  <button key={m.id} type="button" onClick={() => addTo(m)} disabled={pending}>
                    Add {m.photos.length === 1 ? 'this photo' : 'these photos'} to {m.name}
                  </button>
                ))}
                {!confirmingOverride && (
                  <button type="button" className="secondary" onClick={() => setConfirmingOverride(true)} disabled={pending}>
                    Enrol anyway…
                  </button>
                )}
              </div>
              {confirmingOverride && (
                <div role="alertdialog" aria-labelledby="confirm-override-title" className="panel" style={{ marginTop: '0.6rem' }}>
                  <p id="confirm-override-title" style={{ marginTop: 0 }}>
                    <strong>
                      Is {state.enrolled?.name ?? last.current?.get('name')?.toString()} a different person from{' '}
                      {matched.map((m) => m.name).join(' and ')}?
                    </strong>{' '}
                    Enrolling a face twice under two names makes the doors confuse them.
                  </p>
                  <div className="row">
                    <button type="button" className="danger" onClick={overrideDuplicates} disabled={pending}>
                      Enrol anyway: they are different people
                    </button>
                    <button type="button" className="secondary" onClick={() => setConfirmingOverride(false)} autoFocus>
                      Cancel
                    </button>
                  </div>
                </div>
              )}
            </div>
          )}
        </div>
      </form>
      {state.photos && state.photos.length > 0 && (
        <section aria-labelledby="enroll-photos-title">
          <h2 id="enroll-photos-title">The photos, as the engine saw them</h2>
          <ul className="samples" style={{ gridTemplateColumns: 'repeat(auto-fill, minmax(min(100%, 280px), 1fr))' }}>
            {state.photos.map((p) => (
              <PhotoResult key={p.index} result={p} url={urls[p.index]} onChoose={(face) => chooseFace(p.index, face)} pending={pending} />
            ))}
          </ul>
        </section>
      )}
    </>
  );
}
