import type { Bin } from '@/lib/histogram';

const GREEN = '#2f9e57';
const RED = '#d64535';
const AMBER = '#d19a1d';

/** Stacked bars per UTC day: accepted, refused, errors. */
export function DailyChart({ days, from }: { days: { day: string; accepted: number; refused: number; error: number }[]; from: Date }) {
  const byDay = new Map(days.map((d) => [d.day, d]));
  const series = Array.from({ length: 30 }, (_, i) => {
    const day = new Date(from.getTime() + i * 86_400_000).toISOString().slice(0, 10);
    return byDay.get(day) ?? { day, accepted: 0, refused: 0, error: 0 };
  });
  const peak = Math.max(1, ...series.map((d) => d.accepted + d.refused + d.error));
  const W = 600;
  const H = 220;
  const left = 32;
  const bottom = 24;
  const bar = (W - left - 8) / series.length;
  const y = (v: number) => ((H - bottom - 10) * v) / peak;
  const total = series.reduce((n, d) => n + d.accepted + d.refused + d.error, 0);
  return (
    <>
      <svg className="chart" viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`Attempts per day over the last 30 days: ${total} in all`}>
        {[0, 0.5, 1].map((f) => (
          <g key={f}>
            <line x1={left} x2={W - 8} y1={H - bottom - y(peak * f)} y2={H - bottom - y(peak * f)} stroke="#e3e6ec" />
            <text x={left - 4} y={H - bottom - y(peak * f) + 4} fontSize={11} textAnchor="end" fill="#5d6677">
              {Math.round(peak * f)}
            </text>
          </g>
        ))}
        {series.map((d, i) => {
          const x = left + i * bar + 1;
          let base = H - bottom;
          const parts = [
            [d.accepted, GREEN],
            [d.refused, RED],
            [d.error, AMBER],
          ] as const;
          return (
            <g key={d.day}>
              <title>{`${d.day}: ${d.accepted} accepted, ${d.refused} refused, ${d.error} errors`}</title>
              {parts.map(([v, color]) => {
                const h = y(v);
                base -= h;
                return v > 0 ? <rect key={color} x={x} y={base} width={bar - 2} height={h} fill={color} /> : null;
              })}
              {i % 5 === 0 && (
                <text x={x + bar / 2} y={H - 6} fontSize={10} textAnchor="middle" fill="#5d6677">
                  {d.day.slice(5)}
                </text>
              )}
            </g>
          );
        })}
      </svg>
      <div className="legend">
        <span><span className="swatch" style={{ background: GREEN }} />accepted</span>
        <span><span className="swatch" style={{ background: RED }} />refused</span>
        <span><span className="swatch" style={{ background: AMBER }} />errors (no face, bad photo…)</span>
      </div>
    </>
  );
}

/** Distances of accepted and refused attempts, side by side per bin, with the threshold drawn over. */
export function DistanceHistogram({ bins, threshold, max }: { bins: Bin[]; threshold: number; max: number }) {
  const W = 600;
  const H = 220;
  const left = 32;
  const bottom = 24;
  const peak = Math.max(1, ...bins.map((b) => Math.max(b.accepted, b.refused)));
  const bw = (W - left - 8) / bins.length;
  const y = (v: number) => ((H - bottom - 18) * v) / peak;
  const x = (d: number) => left + (Math.min(d, max) / max) * (W - left - 8);
  const count = bins.reduce((n, b) => n + b.accepted + b.refused, 0);
  return (
    <>
      <svg className="chart" viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`Histogram of ${count} distances; threshold ${threshold.toFixed(3)}`}>
        <line x1={left} x2={W - 8} y1={H - bottom} y2={H - bottom} stroke="#c5cad4" />
        <text x={left - 4} y={H - bottom - y(peak) + 4} fontSize={11} textAnchor="end" fill="#5d6677">
          {peak}
        </text>
        {bins.map((b, i) => (
          <g key={i}>
            <title>{`${b.from.toFixed(2)}–${b.to.toFixed(2)}: ${b.accepted} accepted, ${b.refused} refused`}</title>
            {b.accepted > 0 && <rect x={left + i * bw + 1} y={H - bottom - y(b.accepted)} width={bw / 2 - 1} height={y(b.accepted)} fill={GREEN} />}
            {b.refused > 0 && <rect x={left + i * bw + bw / 2} y={H - bottom - y(b.refused)} width={bw / 2 - 1} height={y(b.refused)} fill={RED} />}
          </g>
        ))}
        {[0, 0.2, 0.4, 0.6, 0.8, 1.0, 1.2].filter((t) => t <= max).map((t) => (
          <text key={t} x={x(t)} y={H - 6} fontSize={10} textAnchor="middle" fill="#5d6677">
            {t.toFixed(1)}
          </text>
        ))}
        <line x1={x(threshold)} x2={x(threshold)} y1={12} y2={H - bottom} stroke="#1d2330" strokeWidth={2} strokeDasharray="5 3" />
        <text x={x(threshold) + 4} y={12} fontSize={11} fill="#1d2330">
          threshold {threshold.toFixed(3)}
        </text>
      </svg>
      <div className="legend">
        <span><span className="swatch" style={{ background: GREEN }} />accepted</span>
        <span><span className="swatch" style={{ background: RED }} />refused</span>
        <span>{count === 0 ? 'No attempts with a distance yet.' : `${count} attempts with a distance`}</span>
      </div>
    </>
  );
}
