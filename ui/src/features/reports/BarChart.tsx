// Bar charts as inline SVG: no chart library for two kinds of bars. The table beside each
// chart holds the same figures for screen readers and keyboards; the chart is one image
// with a name, and each bar a tooltip.

export interface Bar {
  key: string;
  label: string;
  value: number;
  /** Tooltip of the bar, e.g. "Oct 31: 3 parcels". */
  title: string;
}

interface ChartProps {
  label: string;
  bars: readonly Bar[];
  testId?: string;
}

const COLUMN = 28;
const PLOT = 110;

/** Vertical columns in order (days), the axis labelled at most ten times. */
export function ColumnChart({ label, bars, testId }: ChartProps) {
  const max = Math.max(1, ...bars.map((b) => b.value));
  const width = Math.max(bars.length * COLUMN, 280);
  const every = Math.ceil(bars.length / 10);
  return (
    <svg
      role="img"
      aria-label={label}
      data-testid={testId}
      viewBox={`0 0 ${width} ${PLOT + 34}`}
      preserveAspectRatio="xMinYMin meet"
      className="h-44 w-full"
    >
      <line x1={0} x2={width} y1={PLOT + 14} y2={PLOT + 14} className="stroke-border" />
      {bars.map((b, i) => {
        const h = (b.value / max) * PLOT;
        const x = i * COLUMN + 4;
        return (
          <g key={b.key} data-value={b.value}>
            <title>{b.title}</title>
            <rect x={x} y={PLOT + 14 - h} width={COLUMN - 8} height={h} rx={2} className="fill-primary" />
            {bars.length <= 14 && b.value > 0 && (
              <text x={x + (COLUMN - 8) / 2} y={PLOT + 10 - h} textAnchor="middle" className="fill-foreground text-[10px]">
                {b.value}
              </text>
            )}
            {i % every === 0 && (
              <text x={x + (COLUMN - 8) / 2} y={PLOT + 28} textAnchor="middle" className="fill-muted-foreground text-[9px]">
                {b.label}
              </text>
            )}
          </g>
        );
      })}
    </svg>
  );
}

const ROW = 24;
const NAME = 130;

/** Horizontal bars, one row per category (carriers), with its name and figure. */
export function BarList({ label, bars, testId }: ChartProps) {
  const max = Math.max(1, ...bars.map((b) => b.value));
  const width = 420;
  const room = width - NAME - 40;
  return (
    <svg
      role="img"
      aria-label={label}
      data-testid={testId}
      viewBox={`0 0 ${width} ${Math.max(bars.length, 1) * ROW}`}
      preserveAspectRatio="xMinYMin meet"
      className="w-full"
    >
      {bars.map((b, i) => {
        const w = Math.max((b.value / max) * room, b.value > 0 ? 2 : 0);
        const y = i * ROW;
        return (
          <g key={b.key} data-value={b.value}>
            <title>{b.title}</title>
            <text x={NAME - 8} y={y + 16} textAnchor="end" className="fill-foreground text-[11px]">
              {b.label}
            </text>
            <rect x={NAME} y={y + 5} width={w} height={ROW - 10} rx={2} className="fill-primary" />
            <text x={NAME + w + 6} y={y + 16} className="fill-muted-foreground text-[11px]">
              {b.value}
            </text>
          </g>
        );
      })}
    </svg>
  );
}
