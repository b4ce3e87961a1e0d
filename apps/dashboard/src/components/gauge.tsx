/** Distance against threshold on a horizontal scale from 0 to `max`: left of the mark matches. */
export function Gauge({ distance, threshold, max = 1.2 }: { distance: number | null; threshold: number; max?: number }) {
  const width = 400;
  const x = (v: number) => 10 + (Math.min(Math.max(v, 0), max) / max) * (width - 20);
  const matched = distance !== null && distance < threshold;
  return (
    <figure style={{ margin: 0 }}>
      <svg
        className="chart"
        viewBox={`0 0 ${width} 64`}
        role="img"
        aria-label={
          distance === null
            ? `No distance; threshold ${threshold.toFixed(3)}`
            : `Distance ${distance.toFixed(3)} against threshold ${threshold.toFixed(3)}: ${matched ? 'under, a match' : 'over, no match'}`
        }
        style={{ maxWidth: 480 }}
      >
        <rect x={x(0)} y={20} width={x(threshold) - x(0)} height={14} fill="#cdebd6" />
        <rect x={x(threshold)} y={20} width={x(max) - x(threshold)} height={14} fill="#f8d3cf" />
        <line x1={x(threshold)} x2={x(threshold)} y1={12} y2={42} stroke="#1d2330" strokeWidth={2} />
        <text x={x(threshold)} y={10} fontSize={11} textAnchor="middle" fill="#1d2330">
          threshold {threshold.toFixed(3)}
        </text>
        {distance !== null && (
          <>
            <polygon points={`${x(distance) - 7},52 ${x(distance) + 7},52 ${x(distance)},36`} fill={matched ? '#17803d' : '#b42318'} />
            <text x={Math.min(Math.max(x(distance), 40), width - 40)} y={63} fontSize={11} textAnchor="middle" fill="#1d2330">
              distance {distance.toFixed(3)}
            </text>
          </>
        )}
        <text x={x(0)} y={48} fontSize={10} fill="#5d6677">
          0
        </text>
        <text x={x(max)} y={48} fontSize={10} textAnchor="end" fill="#5d6677">
          {max}
        </text>
      </svg>
    </figure>
  );
}
