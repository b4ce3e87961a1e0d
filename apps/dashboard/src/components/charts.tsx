'use client';

import { AxisBottom, AxisLeft } from '@visx/axis';
import { Group } from '@visx/group';
import { useParentSize } from '@visx/responsive';
import { scaleBand, scaleLinear } from '@visx/scale';
import { Bar, Line } from '@visx/shape';
import type { ReactNode } from 'react';
import { dayIn } from '@/lib/format';
import type { Bin } from '@/lib/histogram';

// Charts drawn with visx (scales, axes, shapes: plain SVG, no script or style the CSP would refuse),
// at the width they are shown: a chart squeezed onto a phone keeps 12 px labels instead of shrinking
// its whole drawing (the old viewBox-scaled SVGs had ~5 px labels at 390 px).

const GREEN = '#2f9e57';
const RED = '#d64535';
const AMBER = '#d19a1d';
const BLUE = '#3b6fd4';
const INK = '#5d6677';
/** Label size in CSS pixels, whatever the chart's width (>= 11 px, WCAG-readable on a phone). */
export const LABEL_PX = 12;
const label = { fontSize: LABEL_PX, fill: INK, fontFamily: 'inherit' } as const;
const MARGIN = { top: 16, right: 12, bottom: 28, left: 36 };

/**
 * An SVG as wide as its container (measured), `height` CSS pixels high, so its labels keep their size
 * on a phone: draw with the width given to `children`. Before it is measured (the server's HTML) it
 * is drawn 600 wide and scaled. For any chart of the dashboard.
 */
export function SizedSvg({ height, label: aria, children }: { height: number; label: string; children: (width: number) => ReactNode }) {
  const { parentRef, width: measured } = useParentSize({ debounceTime: 50, ignoreDimensions: 'height' });
  const width = Math.max(240, Math.round(measured || 600));
  return (
    <div ref={parentRef} className="chart-box">
      <svg className="chart" viewBox={`0 0 ${width} ${height}`} width={width} height={height} role="img" aria-label={aria}>
        {children(width)}
      </svg>
    </div>
  );
}

/** Few enough ticks that labels of LABEL_PX never touch: about one per 70 px. */
const tickCount = (px: number) => Math.max(2, Math.floor(px / 70));
/** Ticks of a count axis: whole numbers only (no "0.5 attempts"). */
const countTicks = (scale: { ticks: (n: number) => number[] }, n: number) => scale.ticks(n).filter((t) => Number.isInteger(t));

/** Stacked bars per UTC day: accepted, asked for a second factor, refused, errors. */
/** Attempts per day, the days counted in `timeZone` (the API server's, as its stats). */
export function DailyChart({
  days,
  from,
  timeZone,
}: {
  days: { day: string; accepted: number; refused: number; stepUp: number; error: number }[];
  from: Date;
  timeZone: string;
}) {
  const byDay = new Map(days.map((d) => [d.day, d]));
  const series = Array.from({ length: 30 }, (_, i) => {
    const day = dayIn(new Date(from.getTime() + i * 86_400_000), timeZone);
    return byDay.get(day) ?? { day, accepted: 0, refused: 0, stepUp: 0, error: 0 };
  });
  const peak = Math.max(1, ...series.map((d) => d.accepted + d.stepUp + d.refused + d.error));
  const total = series.reduce((n, d) => n + d.accepted + d.stepUp + d.refused + d.error, 0);
  const H = 220;
  return (
    <>
      <SizedSvg height={H} label={`Attempts per day (${timeZone}) over the last 30 days: ${total} in all`}>
        {(W) => {
          const innerW = W - MARGIN.left - MARGIN.right;
          const innerH = H - MARGIN.top - MARGIN.bottom;
          const x = scaleBand<string>({ domain: series.map((d) => d.day), range: [0, innerW], padding: 0.15 });
          const y = scaleLinear<number>({ domain: [0, peak], range: [innerH, 0], nice: true });
          // A date label every few days, as many as fit.
          const every = Math.ceil(series.length / tickCount(innerW));
          return (
            <Group left={MARGIN.left} top={MARGIN.top}>
              {countTicks(y, 4).map((t) => (
                <Line key={t} from={{ x: 0, y: y(t) }} to={{ x: innerW, y: y(t) }} stroke="#e3e6ec" />
              ))}
              {series.map((d) => {
                let base = innerH;
                return (
                  <g key={d.day}>
                    <title>{`${d.day}: ${d.accepted} accepted, ${d.stepUp} asked for a second factor, ${d.refused} refused, ${d.error} errors`}</title>
                    {(
                      [
                        [d.accepted, GREEN],
                        [d.stepUp, BLUE],
                        [d.refused, RED],
                        [d.error, AMBER],
                      ] as const
                    ).map(([v, color]) => {
                      const h = innerH - y(v);
                      base -= h;
                      return v > 0 ? <Bar key={color} x={x(d.day)} y={base} width={x.bandwidth()} height={h} fill={color} /> : null;
                    })}
                  </g>
                );
              })}
              <AxisLeft
                scale={y}
                tickValues={countTicks(y, 4)}
                tickFormat={(v) => String(v)}
                hideAxisLine
                hideTicks
                tickLabelProps={{ ...label, textAnchor: 'end', dx: -4, dy: 4 }}
              />
              <AxisBottom
                top={innerH}
                scale={x}
                tickValues={series.filter((_, i) => i % every === 0).map((d) => d.day)}
                tickFormat={(day) => day.slice(5)}
                stroke="#c5cad4"
                tickStroke="#c5cad4"
                tickLabelProps={{ ...label, textAnchor: 'middle' }}
              />
            </Group>
          );
        }}
      </SizedSvg>
      <div className="legend">
        <span>
          <span className="swatch" style={{ background: GREEN }} />
          accepted
        </span>
        <span>
          <span className="swatch" style={{ background: BLUE }} />
          asked for a second factor
        </span>
        <span>
          <span className="swatch" style={{ background: RED }} />
          refused
        </span>
        <span>
          <span className="swatch" style={{ background: AMBER }} />
          errors (no face, bad photo…)
        </span>
      </div>
    </>
  );
}

/** Distances of accepted and refused attempts, side by side per bin, with the threshold drawn over. */
export function DistanceHistogram({ bins, threshold, max }: { bins: Bin[]; threshold: number; max: number }) {
  const peak = Math.max(1, ...bins.map((b) => Math.max(b.accepted, b.refused)));
  const count = bins.reduce((n, b) => n + b.accepted + b.refused, 0);
  const H = 220;
  return (
    <>
      <SizedSvg height={H} label={`Histogram of ${count} distances; threshold ${threshold.toFixed(3)}`}>
        {(W) => {
          const innerW = W - MARGIN.left - MARGIN.right;
          const innerH = H - MARGIN.top - MARGIN.bottom;
          const x = scaleLinear<number>({ domain: [0, max], range: [0, innerW] });
          const y = scaleLinear<number>({ domain: [0, peak], range: [innerH, 0], nice: true });
          const bw = innerW / bins.length;
          const tx = x(Math.min(threshold, max));
          return (
            <Group left={MARGIN.left} top={MARGIN.top}>
              {bins.map((b, i) => (
                <g key={i}>
                  <title>{`${b.from.toFixed(2)}–${b.to.toFixed(2)}: ${b.accepted} accepted, ${b.refused} refused`}</title>
                  {b.accepted > 0 && (
                    <Bar x={i * bw + 1} y={y(b.accepted)} width={bw / 2 - 1} height={innerH - y(b.accepted)} fill={GREEN} />
                  )}
                  {b.refused > 0 && (
                    <Bar x={i * bw + bw / 2} y={y(b.refused)} width={bw / 2 - 1} height={innerH - y(b.refused)} fill={RED} />
                  )}
                </g>
              ))}
              <AxisLeft
                scale={y}
                tickValues={countTicks(y, 3)}
                tickFormat={(v) => String(v)}
                hideAxisLine
                hideTicks
                tickLabelProps={{ ...label, textAnchor: 'end', dx: -4, dy: 4 }}
              />
              <AxisBottom
                top={innerH}
                scale={x}
                numTicks={tickCount(innerW)}
                tickFormat={(v) => Number(v).toFixed(1)}
                stroke="#c5cad4"
                tickStroke="#c5cad4"
                tickLabelProps={{ ...label, textAnchor: 'middle' }}
              />
              <Line from={{ x: tx, y: -4 }} to={{ x: tx, y: innerH }} stroke="#1d2330" strokeWidth={2} strokeDasharray="5 3" />
              <text
                x={tx > innerW - 110 ? tx - 4 : tx + 4}
                y={-4}
                textAnchor={tx > innerW - 110 ? 'end' : 'start'}
                {...label}
                fill="#1d2330"
              >
                threshold {threshold.toFixed(3)}
              </text>
            </Group>
          );
        }}
      </SizedSvg>
      <div className="legend">
        <span>
          <span className="swatch" style={{ background: GREEN }} />
          accepted
        </span>
        <span>
          <span className="swatch" style={{ background: RED }} />
          refused
        </span>
        <span>{count === 0 ? 'No attempts with a distance yet.' : `${count} ${count === 1 ? 'attempt' : 'attempts'} with a distance`}</span>
      </div>
    </>
  );
}
