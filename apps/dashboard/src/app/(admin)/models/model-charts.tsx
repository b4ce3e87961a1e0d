'use client';

import { SizedSvg } from '@/components/charts';

/**
 * The loss curve of a training run and the distance histograms of a comparison (plain SVG), drawn at
 * the width shown (SizedSvg) so their 12 px labels stay 12 px on a phone.
 */

const H = 240;
const PAD = { left: 52, right: 12, top: 14, bottom: 36 };

export interface EpochPoint {
  epoch: number;
  trainLoss: number;
  heldOutLoss: number;
  heldOutFnmr: number;
}

/** Train and held-out triplet loss per epoch, as the run goes. */
export function LossCurve({ curve }: { curve: EpochPoint[] }) {
  if (curve.length === 0) return <p className="muted">No round of learning finished yet.</p>;
  const maxEpoch = Math.max(1, ...curve.map((p) => p.epoch));
  const top = Math.max(1e-6, ...curve.flatMap((p) => [p.trainLoss, p.heldOutLoss]));
  const y = (v: number) => PAD.top + (1 - v / top) * (H - PAD.top - PAD.bottom);
  const last = curve.at(-1)!;
  return (
    <figure className="loss-curve">
      <SizedSvg
        height={H}
        label={`Learning error by round (triplet loss by epoch): ${curve.length} epochs, last on the people learnt from ${last.trainLoss.toFixed(4)}, on the people kept aside ${last.heldOutLoss.toFixed(4)}`}
      >
        {(W) => {
          const x = (e: number) => PAD.left + (e / maxEpoch) * (W - PAD.left - PAD.right);
          const line = (f: (p: EpochPoint) => number) =>
            curve.map((p, i) => `${i ? 'L' : 'M'}${x(p.epoch).toFixed(1)},${y(f(p)).toFixed(1)}`).join(' ');
          return (
            <>
              {[0, 0.5, 1].map((f) => (
                <g key={f}>
                  <line x1={PAD.left} x2={W - PAD.right} y1={y(top * f)} y2={y(top * f)} stroke="#e5e8ee" />
                  <text x={PAD.left - 6} y={y(top * f) + 4} fontSize={12} textAnchor="end" fill="#5d6677">
                    {(top * f).toFixed(3)}
                  </text>
                </g>
              ))}
              {[0, Math.round(maxEpoch / 2), maxEpoch].map((e) => (
                <text key={e} x={x(e)} y={H - PAD.bottom + 16} fontSize={12} textAnchor="middle" fill="#5d6677">
                  {e}
                </text>
              ))}
              <text x={(W + PAD.left) / 2} y={H - 4} fontSize={12} textAnchor="middle" fill="#5d6677">
                round of learning (epoch)
              </text>
              <path d={line((p) => p.trainLoss)} fill="none" stroke="#2b6cb0" strokeWidth={2} />
              <path d={line((p) => p.heldOutLoss)} fill="none" stroke="#b42318" strokeWidth={2} strokeDasharray="6 4" />
            </>
          );
        }}
      </SizedSvg>
      <figcaption>
        Learning error, lower is better: <span style={{ color: '#2b6cb0' }}>━ on the people it learns from</span> ·{' '}
        <span style={{ color: '#b42318' }}>╌ on the people kept aside to check it</span>. Only the second line says whether it will help at
        your doors: when it stops going down, learning stops.
      </figcaption>
      <div className="table-wrap" tabIndex={0} role="region" aria-label="Learning error by round">
        <table>
          <caption className="sr-only">Learning error by round</caption>
          <thead>
            <tr>
              <th scope="col">Round</th>
              <th scope="col">Error, people learnt from</th>
              <th scope="col">Error, people kept aside</th>
              <th scope="col">People kept aside refused as strangers</th>
            </tr>
          </thead>
          <tbody>
            {curve.slice(-5).map((p) => (
              <tr key={p.epoch}>
                <td>{p.epoch}</td>
                <td>{p.trainLoss.toFixed(4)}</td>
                <td>{p.heldOutLoss.toFixed(4)}</td>
                <td>{(100 * p.heldOutFnmr).toFixed(1)} %</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </figure>
  );
}

/** One model's distances of the replayed attempts, in bins of 0.05, with its verification threshold. */
export function ReplayHistogram({
  title,
  histogram,
  threshold,
  peak,
}: {
  title: string;
  histogram: number[];
  threshold: number | null;
  peak: number;
}) {
  const bins = histogram.slice(0, 30);
  const y = (v: number) => ((H - PAD.top - PAD.bottom) * v) / Math.max(1, peak);
  const total = bins.reduce((a, b) => a + b, 0);
  return (
    <figure>
      <figcaption>
        <strong>{title}</strong>
      </figcaption>
      <SizedSvg
        height={H}
        label={`${title}: distances of ${total} replayed attempts${threshold !== null ? `, threshold ${threshold.toFixed(3)}` : ''}`}
      >
        {(W) => {
          const bar = (W - PAD.left - PAD.right) / bins.length;
          const x = (d: number) => PAD.left + (d / 0.05) * bar;
          // As many distance labels as fit at 12 px (about one per 60 px).
          const step = W < 420 ? 0.5 : 0.25;
          return (
            <>
              <line x1={PAD.left} x2={W - PAD.right} y1={H - PAD.bottom} y2={H - PAD.bottom} stroke="#c9ced8" />
              {bins.map((n, i) => (
                <rect
                  key={i}
                  x={PAD.left + i * bar + 1}
                  width={Math.max(1, bar - 2)}
                  y={H - PAD.bottom - y(n)}
                  height={y(n)}
                  fill="#4a6fa5"
                />
              ))}
              {[0, 0.25, 0.5, 0.75, 1, 1.25, 1.5]
                .filter((d) => (d / step) % 1 === 0)
                .map((d) => (
                  <text key={d} x={x(d)} y={H - PAD.bottom + 16} fontSize={12} textAnchor={d === 1.5 ? 'end' : 'middle'} fill="#5d6677">
                    {d.toFixed(2)}
                  </text>
                ))}
              {threshold !== null && (
                <g>
                  <line x1={x(threshold)} x2={x(threshold)} y1={PAD.top} y2={H - PAD.bottom} stroke="#b42318" strokeDasharray="4 3" />
                  <text x={x(threshold) + 4} y={PAD.top + 10} fontSize={12} fill="#b42318">
                    threshold {threshold.toFixed(3)}
                  </text>
                </g>
              )}
              <text x={PAD.left - 6} y={H - PAD.bottom - y(peak) + 4} fontSize={12} textAnchor="end" fill="#5d6677">
                {peak}
              </text>
            </>
          );
        }}
      </SizedSvg>
    </figure>
  );
}
