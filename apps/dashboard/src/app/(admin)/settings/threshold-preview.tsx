import { formatDistance } from '@/lib/format';

/** What settingsPreview answers, as the settings page shows it. */
export interface PreviewView {
  currentThreshold: number;
  verifyThreshold: number;
  identifyThreshold: number;
  attempts: number;
  toAccepted: number;
  toRefused: number;
  falseAcceptRate: number;
  falseAcceptBeyondCalibration: boolean;
  warnings: string[];
  deployment: {
    genuine: number;
    impostor: number;
    labelling: string;
    points: { threshold: number; falseAcceptRate: number; falseRejectRate: number }[];
  };
  calibration: { source: string; comparisons: number; points: { distance: number; falseMatchRate: number }[] };
}

export const PREVIEW_FIELDS = `currentThreshold verifyThreshold identifyThreshold attempts toAccepted toRefused falseAcceptRate falseAcceptBeyondCalibration warnings
  deployment { genuine impostor labelling points { threshold falseAcceptRate falseRejectRate } }
  calibration { source comparisons points { distance falseMatchRate } }`;

// Narrow enough that its 14-unit labels stay about 11 px high on a phone (the chart is scaled to fit).
const W = 400;
const H = 250;
// Right: room for the last tick label ("0.8" was clipped).
const PAD = { left: 58, right: 20, top: 16, bottom: 42 };
const FLOOR = 1e-5;

/** "1 in 10,000" for a rate; "0" under the floor. */
export function oneIn(rate: number): string {
  return rate <= 0 ? '0' : `1 in ${Math.round(1 / rate).toLocaleString('en')}`;
}

/**
 * Error rates against the distance threshold, on a log scale: the calibration run's false matches (the
 * encoder measured on LFW), and the deployment's own attempts (false accepts of "impostors", false
 * rejects of "genuine" ones), with the threshold in force and the one previewed.
 */
function ErrorChart({ preview }: { preview: PreviewView }) {
  const x = (t: number) => PAD.left + ((t - 0.2) / 0.6) * (W - PAD.left - PAD.right);
  const y = (r: number) => PAD.top + (-Math.log10(Math.max(r, FLOOR)) / 5) * (H - PAD.top - PAD.bottom);
  const line = (pts: [number, number][]) => pts.map(([a, b], i) => `${i ? 'L' : 'M'}${x(a).toFixed(1)},${y(b).toFixed(1)}`).join(' ');
  const pts = preview.deployment.points;
  // The lower threshold's label to the left of its line, the higher's to the right: they never cross,
  // however close the two are or however narrow the screen.
  const lower = preview.verifyThreshold < preview.currentThreshold;
  const marks = [
    { t: preview.currentThreshold, label: `now ${preview.currentThreshold.toFixed(3)}`, color: '#1d2330', dy: 0, left: !lower },
    { t: preview.verifyThreshold, label: `new ${preview.verifyThreshold.toFixed(3)}`, color: moveColor(preview), dy: 18, left: lower },
  ].filter((m) => m.t >= 0.2 && m.t <= 0.8);
  return (
    <svg
      viewBox={`0 0 ${W} ${H}`}
      className="chart"
      role="img"
      aria-label={`Error rates by threshold: calibration false matches, and the deployment's false accepts and false rejects; threshold now ${preview.currentThreshold.toFixed(3)}, previewed ${preview.verifyThreshold.toFixed(3)}`}
      style={{ width: '100%', maxWidth: W, height: 'auto' }}
    >
      {[0, 1, 2, 3, 4, 5].map((k) => (
        <g key={k}>
          <line x1={PAD.left} x2={W - PAD.right} y1={y(10 ** -k)} y2={y(10 ** -k)} stroke="#e5e8ee" />
          <text x={PAD.left - 6} y={y(10 ** -k) + 4} fontSize={14} textAnchor="end" fill="#5d6677">
            {k === 0 ? '100 %' : k === 5 ? '≤1e-5' : `1e-${k}`}
          </text>
        </g>
      ))}
      {[0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8].map((t) => (
        <text key={t} x={x(t)} y={H - PAD.bottom + 16} fontSize={14} textAnchor="middle" fill="#5d6677">
          {t.toFixed(1)}
        </text>
      ))}
      <text x={(PAD.left + W - PAD.right) / 2} y={H - 6} fontSize={14} textAnchor="middle" fill="#5d6677">
        distance threshold
      </text>
      <path
        d={line(preview.calibration.points.map((p) => [p.distance, p.falseMatchRate]))}
        fill="none"
        stroke="#2457c5"
        strokeWidth={2.5}
      />
      {preview.deployment.impostor > 0 && (
        <path
          d={line(pts.map((p) => [p.threshold, p.falseAcceptRate]))}
          fill="none"
          stroke="#b45309"
          strokeWidth={2}
          strokeDasharray="6 3"
        />
      )}
      {preview.deployment.genuine > 0 && (
        <path
          d={line(pts.map((p) => [p.threshold, p.falseRejectRate]))}
          fill="none"
          stroke="#7c3aed"
          strokeWidth={2}
          strokeDasharray="2 3"
        />
      )}
      {marks.map((m) => (
        <g key={m.label}>
          <line x1={x(m.t)} x2={x(m.t)} y1={PAD.top} y2={H - PAD.bottom} stroke={m.color} strokeWidth={1.5} />
          <text
            x={m.left ? x(m.t) - 4 : x(m.t) + 4}
            y={PAD.top + 14 + m.dy}
            fontSize={14}
            fill={m.color}
            fontWeight={600}
            textAnchor={m.left ? 'end' : 'start'}
            data-testid="threshold-mark"
          >
            {m.label}
          </text>
        </g>
      ))}
    </svg>
  );
}

/** A move that lets strangers in more often is red; a safer one (a lower threshold) green; none neutral. */
function moveColor(preview: PreviewView): string {
  return preview.verifyThreshold > preview.currentThreshold
    ? '#b42318'
    : preview.verifyThreshold < preview.currentThreshold
      ? '#1a7f37'
      : '#1d2330';
}

/** The deployment's DET: false rejects of its "genuine" attempts against false accepts of its "impostors", threshold by threshold. */
function DetChart({ preview }: { preview: PreviewView }) {
  const S = 240;
  // Room on the left for the rotated axis label and "100 %" (they were clipped at 40).
  const P = 56;
  const x = (r: number) => P + r * (S - P - 8);
  const y = (r: number) => S - P - r * (S - P - 8);
  const pts = preview.deployment.points;
  const at = (t: number) => pts.reduce((best, p) => (Math.abs(p.threshold - t) < Math.abs(best.threshold - t) ? p : best), pts[0]!);
  const now = at(preview.currentThreshold);
  const next = at(preview.verifyThreshold);
  return (
    <svg
      viewBox={`0 0 ${S} ${S}`}
      className="chart"
      role="img"
      aria-label={`The deployment's trade-off: at ${next.threshold.toFixed(2)}, ${(next.falseAcceptRate * 100).toFixed(0)} % of impostor attempts accepted and ${(next.falseRejectRate * 100).toFixed(0)} % of genuine ones refused`}
      style={{ width: '100%', maxWidth: S, height: 'auto' }}
    >
      <rect x={P} y={8} width={S - P - 8} height={S - P - 8} fill="none" stroke="#d9dde5" />
      <path
        d={pts.map((p, i) => `${i ? 'L' : 'M'}${x(p.falseAcceptRate).toFixed(1)},${y(p.falseRejectRate).toFixed(1)}`).join(' ')}
        fill="none"
        stroke="#1d2330"
        strokeWidth={2}
      />
      <circle cx={x(now.falseAcceptRate)} cy={y(now.falseRejectRate)} r={5} fill="#1d2330" />
      <circle cx={x(next.falseAcceptRate)} cy={y(next.falseRejectRate)} r={5} fill={moveColor(preview)} />
      <text x={P} y={S - P + 14} fontSize={13} fill="#5d6677">
        0
      </text>
      <text x={S - 8} y={S - P + 14} fontSize={13} textAnchor="end" fill="#5d6677">
        100 %
      </text>
      <text x={(P + S) / 2} y={S - 6} fontSize={13} textAnchor="middle" fill="#5d6677">
        impostors accepted
      </text>
      <text x={P - 4} y={14} fontSize={13} textAnchor="end" fill="#5d6677">
        100 %
      </text>
      <text x={14} y={(S - P) / 2} fontSize={13} textAnchor="middle" fill="#5d6677" transform={`rotate(-90 14 ${(S - P) / 2})`}>
        genuine refused
      </text>
    </svg>
  );
}

/** The threshold change previewed: warnings first, then the figures, the curves and how they are labelled. */
export function ThresholdPreview({ preview }: { preview: PreviewView }) {
  return (
    <div data-testid="threshold-preview">
      {/* A riskier move (strangers let in more often) is an alarm; a safer one, a note. */}
      {preview.warnings.map((w, i) =>
        preview.verifyThreshold > preview.currentThreshold ? (
          <p key={i} role="alert" className="alert error" data-warning="threshold" data-risk="riskier">
            <strong>Warning.</strong> {w}
          </p>
        ) : (
          <p key={i} role="status" className="alert ok" data-warning="threshold" data-risk="safer">
            <strong>Safer for the doors.</strong> {w}
          </p>
        ),
      )}
      <p>
        Not saved yet. Verification threshold <strong>{formatDistance(preview.currentThreshold)}</strong> →{' '}
        <strong data-testid="preview-threshold">{formatDistance(preview.verifyThreshold)}</strong> (identification{' '}
        {formatDistance(preview.identifyThreshold)} for today&apos;s gallery). On the calibration run this is a false-accept rate of{' '}
        <strong data-testid="preview-far">
          {preview.falseAcceptBeyondCalibration ? (preview.falseAcceptRate > 0.01 ? 'more than ' : 'fewer than ') : 'about '}
          {oneIn(preview.falseAcceptRate)}
        </strong>{' '}
        per comparison.{' '}
        <span data-testid="preview-flips">
          {preview.attempts === 0
            ? 'No compared attempt in the audit log yet.'
            : `Of the last ${preview.attempts} compared attempts, ${preview.toAccepted} refused would now be accepted and ${preview.toRefused} accepted would now be refused.`}
        </span>
      </p>
      <div className="grid-2" style={{ alignItems: 'start' }}>
        <figure style={{ margin: 0 }}>
          <ErrorChart preview={preview} />
          <figcaption className="hint">
            <span style={{ color: '#2457c5', fontWeight: 600 }}>━ calibration</span>: strangers matched on {preview.calibration.source} (
            {preview.calibration.comparisons.toLocaleString('en')} comparisons; the run holds no genuine pairs).{' '}
            <span style={{ color: '#b45309', fontWeight: 600 }}>╍ impostors accepted</span> and{' '}
            <span style={{ color: '#7c3aed', fontWeight: 600 }}>┄ genuine refused</span>: this deployment&apos;s last {preview.attempts}{' '}
            attempts ({preview.deployment.genuine} genuine, {preview.deployment.impostor} impostor).
          </figcaption>
        </figure>
        {preview.deployment.genuine > 0 && preview.deployment.impostor > 0 ? (
          <figure style={{ margin: 0 }}>
            <DetChart preview={preview} />
            <figcaption className="hint">
              The deployment&apos;s trade-off (DET): ● threshold now, <span style={{ color: moveColor(preview) }}>●</span> previewed.
            </figcaption>
          </figure>
        ) : (
          <p className="hint">The deployment&apos;s own trade-off needs both genuine and impostor attempts in the audit log.</p>
        )}
      </div>
      <p className="hint">How attempts are labelled: {preview.deployment.labelling}</p>
    </div>
  );
}
