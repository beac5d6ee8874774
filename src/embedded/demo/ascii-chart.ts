/**
 * The objective per iteration as a small text chart for the terminal: one column per iteration,
 * a dashed baseline row, `●` for measured iterations, `×` for infeasible ones (on the bottom row
 * when they have no measurement).
 *
 *   1520 ┤       ●  ●
 *        ┤    ×
 *   1240 ┤-●----------  baseline
 *        └────────────
 *          0  1  2  3
 */
export interface ChartPoint {
  readonly iteration: number;
  /** Objective value, or null when the iteration has no usable measurement. */
  readonly value: number | null;
  /** A guardrail fired: drawn as `×`. */
  readonly infeasible?: boolean;
}

export interface AsciiChartOptions {
  readonly height?: number;
  readonly baseline?: number | null;
  /** Axis label, e.g. "TPS" or "latency ms". */
  readonly label?: string;
}

const COLUMN = 3;

function fmt(v: number): string {
  return Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(2);
}

export function asciiChart(points: readonly ChartPoint[], opts: AsciiChartOptions = {}): string {
  const height = Math.max(3, opts.height ?? 8);
  const values = points.flatMap((p) => (p.value === null ? [] : [p.value]));
  if (opts.baseline !== undefined && opts.baseline !== null) values.push(opts.baseline);
  if (points.length === 0 || values.length === 0) return '(no measurements)';
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (hi === lo) {
    hi += Math.abs(hi) * 0.05 || 1;
    lo -= Math.abs(lo) * 0.05 || 1;
  }
  const rowOf = (v: number) => Math.round(((v - lo) / (hi - lo)) * (height - 1));
  const width = points.length * COLUMN;
  const grid: string[][] = Array.from({ length: height }, () => Array<string>(width).fill(' '));
  const baseRow = opts.baseline === undefined || opts.baseline === null ? null : rowOf(opts.baseline);
  if (baseRow !== null) for (let x = 0; x < width; x++) grid[baseRow]![x] = '-';
  points.forEach((p, i) => {
    const x = i * COLUMN + 1;
    const row = p.value === null ? 0 : rowOf(p.value);
    grid[row]![x] = p.value === null || p.infeasible ? '×' : '●';
  });
  const labels = [fmt(hi), fmt(lo)];
  const pad = Math.max(...labels.map((l) => l.length));
  const lines: string[] = [];
  for (let r = height - 1; r >= 0; r--) {
    const label = r === height - 1 ? fmt(hi) : r === 0 ? fmt(lo) : '';
    const tail = r === baseRow ? '  baseline' : '';
    lines.push(`${label.padStart(pad)} ┤${grid[r]!.join('')}${tail}`.trimEnd());
  }
  lines.push(`${' '.repeat(pad)} └${'─'.repeat(width)}`);
  lines.push(
    `${' '.repeat(pad)}  ${points.map((p) => String(p.iteration).padEnd(COLUMN)).join('')}`.trimEnd(),
  );
  if (opts.label) lines.unshift(`${' '.repeat(pad)}  ${opts.label} per iteration`);
  return lines.join('\n');
}
