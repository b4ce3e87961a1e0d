import { facesSummary, qualityCheckText, type PhotoFacesView, type QualityCheckView } from '@/lib/photo-faces';
import { FACES_HIDDEN_TEXT, FacesHidden } from './faces-hidden';
import styles from './photo-faces.module.css';

const USED = '#17803d';
const OTHER = '#d97706';

/**
 * A photo with the faces the detector found drawn over it (an SVG in the photo's own pixels, so the
 * boxes sit where the API says whatever size the photo is shown at): the face used in solid green, the
 * others dashed amber and numbered, with a numbered legend saying why each was not used. Without `src`
 * (an audit event keeps no photo) the boxes are drawn on an empty frame of the photo's proportions.
 */
export function PhotoWithFaces({
  src,
  photo,
  alt,
  usedLabel = 'used',
  maxWidth = 420,
  hidden = false,
}: {
  src: string | null;
  /** The photo is kept but this account may not see it (no faces:read). */
  hidden?: boolean;
  photo: PhotoFacesView;
  alt: string;
  usedLabel?: string;
  maxWidth?: number;
}) {
  const side = Math.max(photo.width, photo.height);
  const font = Math.max(10, side / 18);
  return (
    <figure className={styles.figure} data-testid="photo-with-faces" data-face-count={photo.faceCount} style={{ maxWidth }}>
      <div className={styles.frame} style={{ aspectRatio: `${photo.width} / ${photo.height}` }}>
        {src ? (
          <img src={src} alt={alt} />
        ) : (
          <span className={styles.notKept}>
            {hidden ? `${FACES_HIDDEN_TEXT}: only where its faces were.` : 'The photo is not kept: only where its faces were.'}
          </span>
        )}
        <svg
          viewBox={`0 0 ${photo.width} ${photo.height}`}
          preserveAspectRatio="none"
          role="img"
          aria-label={facesSummary(photo, usedLabel)}
        >
          {photo.faces.map((face, i) => (
            <g key={i} data-testid="face-box" data-used={face.used ? 'true' : 'false'}>
              <rect
                x={face.x}
                y={face.y}
                width={face.width}
                height={face.height}
                fill="none"
                stroke={face.used ? USED : OTHER}
                strokeWidth={face.used ? 3 : 2}
                strokeDasharray={face.used ? undefined : '6 4'}
                vectorEffect="non-scaling-stroke"
              />
              <text
                x={face.x + font * 0.15}
                y={Math.max(font, face.y - font * 0.2)}
                fontSize={font}
                fontWeight={700}
                fill={face.used ? USED : OTHER}
                stroke="#fff"
                strokeWidth={font / 6}
                paintOrder="stroke"
              >
                {i + 1}
              </text>
            </g>
          ))}
        </svg>
      </div>
      <figcaption>
        {photo.faceCount === 0 ? (
          <p className="muted">{facesSummary(photo)}</p>
        ) : (
          <ol className={styles.legend} aria-label="Faces found">
            {photo.faces.map((face, i) => (
              <li key={i} data-testid="face-legend" className={face.used ? styles.used : styles.other}>
                {face.used ? `${usedLabel[0]!.toUpperCase()}${usedLabel.slice(1)}` : (face.note ?? 'not used')}{' '}
                <span className="muted">(detector score {face.score.toFixed(2)})</span>
              </li>
            ))}
          </ol>
        )}
      </figcaption>
    </figure>
  );
}

/** The enrolment quality gates as pass/fail, each with its figure and its limit. */
export function QualityChecks({ checks }: { checks: QualityCheckView[] }) {
  if (checks.length === 0) return null;
  // A measure with a floor and a ceiling (brightness) is one line: "Brightness 160 (between 25 and 220)".
  const lines: { check: QualityCheckView; text: ReturnType<typeof qualityCheckText> }[] = [];
  for (const check of checks) {
    const previous = lines.at(-1);
    if (previous && previous.check.measure === check.measure && previous.check.bound === 'min' && check.bound === 'max') {
      previous.check = {
        ...previous.check,
        pass: previous.check.pass && check.pass,
        reason: previous.check.pass ? check.reason : previous.check.reason,
      };
      previous.text = { ...previous.text, limit: `between ${previous.check.limit} and ${check.limit}` };
      continue;
    }
    lines.push({ check, text: qualityCheckText(check) });
  }
  return (
    <ul className={styles.quality} aria-label="Quality against the enrolment gates" data-testid="quality-checks">
      {lines.map(({ check, text }, i) => {
        return (
          <li key={i} data-pass={check.pass ? 'true' : 'false'}>
            <span className={check.pass ? styles.pass : styles.fail}>{check.pass ? '✓ pass' : '✗ fail'}</span>
            <span>
              {text.label} {text.figure}
            </span>
            <span className={styles.limit}>({text.limit})</span>
          </li>
        );
      })}
    </ul>
  );
}

/** The original photo (faces boxed) beside the aligned chip the encoder saw. */
export function OriginalAndChip({
  original,
  chip,
  photo,
  name,
  hidden = false,
}: {
  /** This account may not see face images (no faces:read). */
  hidden?: boolean;
  original: string | null;
  /** Null for an account without faces:read: a tile says the images are hidden. */
  chip: string | null;
  photo: PhotoFacesView | null;
  name: string;
}) {
  return (
    <div className={styles.pair}>
      {photo ? (
        <PhotoWithFaces src={original} hidden={hidden} photo={photo} alt={`Enrolment photo of ${name}`} usedLabel="enrolled" />
      ) : (
        <p className="muted">No original kept (enrolled before originals were kept).</p>
      )}
      <figure className={styles.chip}>
        {chip ? <img src={chip} alt={`Aligned face of ${name}`} /> : <FacesHidden large />}
        <figcaption>Aligned face (what the encoder saw)</figcaption>
      </figure>
    </div>
  );
}
