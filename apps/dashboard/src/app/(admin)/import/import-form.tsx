'use client';

import Link from 'next/link';
import { useState } from 'react';
import { batches, ImportRefusedError, peopleFromFolder, peopleFromZip, type ImportLimits, type PeopleFiles } from '@/lib/people-archive';
import { importPersonPhotos } from './actions';

type Row = {
  person: string;
  file: string;
  outcome: 'enrolled' | 'already enrolled' | 'refused' | 'failed';
  text: string;
  personId: string | null;
};
/** A person whose photos were refused as someone else's face: the override is asked per person. */
type Duplicates = { person: string; matches: string[]; files: { file: File; row: number }[] };

/** A file name that may wrap after its separators (/ _ - .) rather than in the middle of a word. */
function FileName({ name }: { name: string }) {
  const parts = name.split(/(?<=[/_.-])/);
  return (
    <>
      {parts.map((part, i) => (
        <span key={i}>
          {part}
          {i < parts.length - 1 && <wbr />}
        </span>
      ))}
    </>
  );
}

const MB = (n: number) => `${Math.round(n / (1024 * 1024))} MB`;
// The dashboard's server actions take 40 MB per request (next.config.ts): a person's photos go in parts under it.
const REQUEST_BYTES = 30 * 1024 * 1024;

/**
 * Bulk import: a zip or a folder of <name>/*.jpg, read in the browser (bounds checked before anything
 * is sent), then sent person by person: the progress bar moves per person, and each person is enrolled
 * whole by the API (one transaction) whatever happens to the next.
 */
export function ImportForm({ limits }: { limits: ImportLimits }) {
  const [mode, setMode] = useState<'zip' | 'folder'>('zip');
  const [duplicates, setDuplicates] = useState<Duplicates[]>([]);
  const [confirming, setConfirming] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [progress, setProgress] = useState<{
    people: number;
    peopleTotal: number;
    photos: number;
    photosTotal: number;
    current: string | null;
  } | null>(null);
  const [rows, setRows] = useState<Row[]>([]);
  const [skipped, setSkipped] = useState<string[]>([]);
  const [running, setRunning] = useState(false);

  /** One request: a person's photos (or a part of them), with the override or not; the rows to show. */
  async function send(name: string, part: File[], allowDuplicates: boolean) {
    const form = new FormData();
    form.set('name', name);
    if (allowDuplicates) form.set('allowDuplicates', 'on');
    for (const f of part) form.append('photos', f, f.name);
    let result: Awaited<ReturnType<typeof importPersonPhotos>>;
    try {
      result = await importPersonPhotos(form);
    } catch {
      result = { ok: false, error: 'the dashboard could not be reached' };
    }
    return part.map((f, index): { row: Row; duplicateOf: string | null } => {
      if (!result.ok)
        return {
          row: { person: name, file: f.name, outcome: 'failed', text: `${result.code ?? 'ERROR'}: ${result.error}`, personId: null },
          duplicateOf: null,
        };
      // By position: a file's name may lose its folders on the way (multipart keeps the base name).
      const refused = result.rejected.find((r) => r.index === index);
      if (refused?.code === 'ALREADY_ENROLLED')
        return {
          row: {
            person: name,
            file: f.name,
            outcome: 'already enrolled',
            text: 'the same photo is already enrolled: not stored again',
            personId: result.personId,
          },
          duplicateOf: null,
        };
      if (refused)
        return {
          row: {
            person: name,
            file: f.name,
            outcome: 'refused',
            text: `${refused.text}${refused.duplicateOf ? ` (matches ${refused.duplicateOf})` : ''}`,
            personId: result.personId,
          },
          duplicateOf: refused.code === 'DUPLICATE_FACE' ? refused.duplicateOf : null,
        };
      return {
        row: {
          person: name,
          file: f.name,
          outcome: 'enrolled',
          text: result.created ? 'enrolled (new person)' : 'enrolled',
          personId: result.personId,
        },
        duplicateOf: null,
      };
    });
  }

  async function run(people: PeopleFiles) {
    const photosTotal = [...people.values()].reduce((n, p) => n + p.length, 0);
    let photos = 0;
    let done = 0;
    let rowCount = 0;
    setProgress({ people: 0, peopleTotal: people.size, photos: 0, photosTotal, current: null });
    for (const [name, files] of people) {
      setProgress({ people: done, peopleTotal: people.size, photos, photosTotal, current: name });
      for (const part of batches(files, REQUEST_BYTES)) {
        const added = await send(name, part, false);
        const first = rowCount;
        rowCount += added.length;
        setRows((r) => [...r, ...added.map((a) => a.row)]);
        const dup = added.flatMap((a, i) => (a.duplicateOf ? [{ file: part[i]!, row: first + i, match: a.duplicateOf }] : []));
        if (dup.length > 0) {
          setDuplicates((all) => {
            const mine = all.find((d) => d.person === name) ?? { person: name, matches: [], files: [] };
            const next = {
              person: name,
              matches: [...new Set([...mine.matches, ...dup.map((d) => d.match)])],
              files: [...mine.files, ...dup.map(({ file, row }) => ({ file, row }))],
            };
            return [...all.filter((d) => d.person !== name), next];
          });
        }
        photos += part.length;
        setProgress({ people: done, peopleTotal: people.size, photos, photosTotal, current: name });
      }
      done++;
    }
    setProgress({ people: done, peopleTotal: people.size, photos, photosTotal, current: null });
  }

  /** The administrator confirmed that this person is not the one their faces matched: their refused photos, enrolled. */
  async function override(d: Duplicates) {
    setConfirming(null);
    setRunning(true);
    try {
      const again = await send(
        d.person,
        d.files.map((f) => f.file),
        true,
      );
      setRows((rows) =>
        rows.map((row, i) => {
          const k = d.files.findIndex((f) => f.row === i);
          return k >= 0 ? again[k]!.row : row;
        }),
      );
      setDuplicates((all) => all.filter((x) => x.person !== d.person));
    } finally {
      setRunning(false);
    }
  }

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setError(null);
    setRows([]);
    setDuplicates([]);
    setSkipped([]);
    setProgress(null);
    const input = event.currentTarget.elements.namedItem(mode === 'zip' ? 'archive' : 'folder') as HTMLInputElement;
    const files = [...(input.files ?? [])];
    if (files.length === 0) return setError(mode === 'zip' ? 'Choose a zip file.' : 'Choose a folder.');
    setRunning(true);
    try {
      const read = mode === 'zip' ? await peopleFromZip(files[0]!, limits) : peopleFromFolder(files, limits);
      setSkipped(read.skipped);
      if (read.people.size === 0)
        setError('No photo of a person found: the layout is <name>/<photo>.jpg (or <name>.jpg), optionally inside one top folder.');
      else await run(read.people);
    } catch (e) {
      setError(
        e instanceof ImportRefusedError ? `Refused, nothing was imported (${e.code}): ${e.message}.` : 'This file could not be read.',
      );
    } finally {
      setRunning(false);
    }
  }

  const enrolled = rows.filter((r) => r.outcome === 'enrolled').length;
  const already = rows.filter((r) => r.outcome === 'already enrolled').length;
  const percent = progress && progress.photosTotal ? Math.round((100 * progress.photos) / progress.photosTotal) : 0;
  return (
    <>
      <form className="panel" onSubmit={onSubmit} aria-labelledby="import-title">
        <h2 id="import-title">Photos to import</h2>
        <fieldset className="row" disabled={running}>
          <legend className="sr-only">Zip or folder</legend>
          <label className="checkbox">
            <input type="radio" name="mode" checked={mode === 'zip'} onChange={() => setMode('zip')} /> a zip file
          </label>
          <label className="checkbox">
            <input type="radio" name="mode" checked={mode === 'folder'} onChange={() => setMode('folder')} /> a folder
          </label>
        </fieldset>
        {mode === 'zip' ? (
          <div className="field">
            <label htmlFor="archive">Zip of &lt;name&gt;/*.jpg</label>
            <input id="archive" name="archive" type="file" accept=".zip,application/zip" disabled={running} />
          </div>
        ) : (
          <div className="field">
            <label htmlFor="folder">Folder of &lt;name&gt;/*.jpg</label>
            {/* webkitdirectory is not in React's types; every current browser supports it. */}
            <input
              id="folder"
              name="folder"
              type="file"
              multiple
              disabled={running}
              {...({ webkitdirectory: '', directory: '' } as Record<string, string>)}
            />
          </div>
        )}
        <p className="hint" data-testid="import-limits">
          Limits: {limits.maxEntries.toLocaleString('en')} files, {MB(limits.maxArchiveBytes)} per zip, {MB(limits.maxTotalBytes)} of photos
          once decompressed, {MB(limits.maxPhotoBytes)} per photo, {limits.maxPhotosPerPerson} photos per person; names with “..”, absolute
          paths or backslashes are refused. JPEG, PNG and WebP; other files are skipped. A person is matched by name and created when new.
        </p>
        <button type="submit" disabled={running}>
          {running ? 'Importing…' : 'Import'}
        </button>
      </form>
      <div aria-live="polite">
        {error && (
          <p role="alert" className="alert error" data-testid="import-error">
            {error}
          </p>
        )}
        {progress && (
          <section className="panel" aria-labelledby="progress-title" data-testid="import-progress">
            <h2 id="progress-title">
              {progress.people === progress.peopleTotal ? 'Done' : 'Importing'}: {progress.people} of {progress.peopleTotal} people,{' '}
              {progress.photos} of {progress.photosTotal} photos
            </h2>
            <progress max={progress.photosTotal} value={progress.photos} aria-label="Photos sent">
              {percent} %
            </progress>
            {progress.current && <p className="muted">Now: {progress.current}</p>}
            {progress.people === progress.peopleTotal && (
              <p className="alert ok" data-testid="import-summary">
                {enrolled} of {rows.length} photos enrolled{already > 0 ? `, ${already} already enrolled (not stored again)` : ''},{' '}
                {rows.length - enrolled - already} not.
              </p>
            )}
          </section>
        )}
      </div>
      {duplicates.length > 0 && !running && (
        <section className="panel" aria-labelledby="duplicates-title" data-testid="import-duplicates">
          <h2 id="duplicates-title">Faces that match someone already enrolled</h2>
          <p className="muted">
            Not enrolled. Most likely the same person under another name: add the photos on that person&apos;s page. Enrol them under the
            name given only if these are different people who look alike, person by person.
          </p>
          <ul className="plain-list">
            {duplicates.map((d) => (
              <li key={d.person} data-person={d.person} style={{ marginBottom: '0.6rem' }}>
                <strong>{d.person}</strong>: {d.files.length === 1 ? '1 photo matches' : `${d.files.length} photos match`}{' '}
                {d.matches.join(', ')}.{' '}
                {confirming === d.person ? (
                  <span role="alertdialog" aria-label={`Confirm ${d.person}`} className="row">
                    <span>
                      Is {d.person} a different person from {d.matches.join(' and ')}?
                    </span>
                    <button type="button" className="danger" onClick={() => void override(d)}>
                      Yes, enrol {d.person}&apos;s {d.files.length === 1 ? 'photo' : 'photos'}
                    </button>
                    <button type="button" className="secondary" onClick={() => setConfirming(null)}>
                      Cancel
                    </button>
                  </span>
                ) : (
                  <button type="button" className="secondary" onClick={() => setConfirming(d.person)}>
                    Enrol {d.person}&apos;s {d.files.length === 1 ? 'photo' : 'photos'} anyway…
                  </button>
                )}
              </li>
            ))}
          </ul>
        </section>
      )}
      {rows.length > 0 && (
        <section className="panel" aria-labelledby="report-title">
          <h2 id="report-title">Report, photo by photo</h2>
          <div className="table-wrap">
            <table className="cards-on-phone" data-testid="import-report">
              <thead>
                <tr>
                  <th scope="col">Person</th>
                  <th scope="col">Photo</th>
                  <th scope="col">Outcome</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r, i) => (
                  <tr key={`${r.file}-${i}`}>
                    <td data-label="Person">{r.personId ? <Link href={`/people/${r.personId}`}>{r.person}</Link> : r.person}</td>
                    <td data-label="Photo" style={{ overflowWrap: 'break-word' }}>
                      <FileName name={r.file} />
                    </td>
                    <td data-label="Outcome">
                      {/* One block: on a phone the cell's parts would otherwise be pushed to both ends. */}
                      <span>
                        <span
                          className={`badge ${r.outcome === 'enrolled' ? 'ACCEPTED' : r.outcome === 'already enrolled' ? 'neutral' : r.outcome === 'refused' ? 'REFUSED' : 'ERROR'}`}
                        >
                          {r.outcome}
                        </span>{' '}
                        {r.outcome === 'enrolled' ? (r.text.includes('new person') ? '(new person)' : '') : r.text}
                      </span>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      )}
      {skipped.length > 0 && (
        <p className="hint">
          Skipped (not a photo of a person): {skipped.slice(0, 10).join(', ')}
          {skipped.length > 10 ? ` and ${skipped.length - 10} more` : ''}.
        </p>
      )}
    </>
  );
}
