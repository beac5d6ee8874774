import { describe, expect, it } from 'vitest';
import { asciiChart } from './ascii-chart.js';

const lines = (s: string) => s.split('\n');
/** Column of iteration i's marker in a plot row (after the "label ┤" prefix). */
const markerRow = (chart: string, i: number): number => {
  const rows = lines(chart).filter((l) => l.includes('┤'));
  return rows.findIndex((r) =>
    /[●×]/.test(r.slice(r.indexOf('┤') + 1 + i * 3 + 1, r.indexOf('┤') + 1 + i * 3 + 2)),
  );
};

describe('asciiChart', () => {
  const points = [
    { iteration: 0, value: 1000 },
    { iteration: 1, value: 1500 },
    { iteration: 2, value: 500, infeasible: true },
    { iteration: 3, value: null },
  ];

  it('draws one marker per iteration, higher values on higher rows', () => {
    const chart = asciiChart(points, { baseline: 1000, height: 5 });
    const plot = lines(chart).filter((l) => l.includes('┤'));
    expect(plot).toHaveLength(5);
    expect(markerRow(chart, 1)).toBe(0); // top row: the maximum
    expect(markerRow(chart, 2)).toBe(4); // bottom row: the minimum
    expect(markerRow(chart, 0)).toBeGreaterThan(0);
    expect(markerRow(chart, 0)).toBeLessThan(4);
    expect(markerRow(chart, 3)).toBe(4); // no measurement: bottom row
    const markers = plot.join('').match(/[●×]/g) ?? [];
    expect(markers).toHaveLength(4);
    expect(plot.join('').match(/×/g)).toHaveLength(2);
  });

  it('labels the extremes, the baseline row and the iterations', () => {
    const chart = asciiChart(points, { baseline: 1000, height: 5, label: 'TPS' });
    expect(lines(chart)[0]).toContain('TPS per iteration');
    expect(chart).toMatch(/^1500 ┤/m);
    expect(chart).toMatch(/^ 500 ┤/m);
    const base = lines(chart).find((l) => l.endsWith('baseline'))!;
    expect(base).toMatch(/-●-/);
    expect(lines(chart).at(-1)!.trim()).toBe('0  1  2  3');
  });

  it('copes with a flat series and with no measurements', () => {
    const flat = asciiChart(
      [
        { iteration: 0, value: 5 },
        { iteration: 1, value: 5 },
      ],
      { height: 3 },
    );
    expect(flat.match(/●/g)).toHaveLength(2);
    expect(asciiChart([{ iteration: 0, value: null }])).toBe('(no measurements)');
    expect(asciiChart([])).toBe('(no measurements)');
  });
});
