/**
 * A bar or line chart (Chart.js, bundled; only the dashboard's lazy chunk imports this) with
 * its numbers as a real table underneath: the canvas is an image for sighted readers, the
 * table is what screen readers and keyboard users read (and what can be copied).
 */
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip } from 'chart.js';
import { useEffect, useRef } from 'preact/hooks';
import { totals, type ChartData } from '../data/dashboard';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, LineController, LineElement, PointElement, Legend, Tooltip);

/** Colours distinguishable for common colour-vision deficiencies (Okabe–Ito, darkened for contrast). */
export const PALETTE = ['#0b5394', '#d55e00', '#117a65', '#a0468f', '#8a6d00', '#3c78d8', '#b03a2e', '#4d4d4d'];

export interface ChartProps {
  id: string;
  title: string;
  /** Accessible name of the canvas (says the numbers are in the table). */
  chartLabel: string;
  /** Header of the table's first column (e.g. "Year", "Sector"). */
  labelHeader: string;
  totalHeader?: string;
  data: ChartData;
  kind?: 'bar' | 'line';
  stacked?: boolean;
  /** Lay bars out horizontally (long category names such as sectors). */
  horizontal?: boolean;
}

export function ChartFigure({ id, title, chartLabel, labelHeader, totalHeader, data, kind = 'bar', stacked = false, horizontal = false }: ChartProps) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (!canvas.current) return;
    // Draw labels in the page's font stack (with its CJK fallbacks), not Chart.js's Helvetica.
    const font = getComputedStyle(document.documentElement).fontFamily;
    if (font) Chart.defaults.font.family = font;
    const chart = new Chart(canvas.current, {
      type: kind,
      data: {
        labels: data.labels,
        datasets: data.series.map((s, i) => ({
          label: s.name,
          data: s.values,
          backgroundColor: PALETTE[i % PALETTE.length],
          borderColor: PALETTE[i % PALETTE.length],
          borderWidth: kind === 'line' ? 2 : 0,
          maxBarThickness: 48,
        })),
      },
      options: {
        indexAxis: horizontal ? 'y' : 'x',
        responsive: true,
        maintainAspectRatio: false,
        // No animation: nothing moves for people who asked for reduced motion, and the
        // first frame is the final one.
        animation: false,
        plugins: { legend: { display: data.series.length > 1, position: 'bottom' } },
        scales: {
          x: { stacked, beginAtZero: true, ticks: { precision: 0 } },
          y: { stacked, beginAtZero: true, ticks: { precision: 0 } },
        },
      },
    });
    return () => chart.destroy();
  }, [data, kind, stacked, horizontal]);

  const sums = totals(data);
  const showTotal = data.series.length > 1 && totalHeader;
  const height = horizontal ? Math.max(12, data.labels.length * 2.2 + 4) : 16;
  return (
    <figure class="chart" aria-labelledby={`${id}-title`} data-testid={`chart-${id}`}>
      <figcaption id={`${id}-title`} class="chart-title">
        {title}
      </figcaption>
      <div class="chart-box" style={{ height: `${height}rem` }}>
        <canvas ref={canvas} role="img" aria-label={chartLabel} />
      </div>
      <div class="table-scroll">
        <table class="data-table" data-testid={`chart-table-${id}`}>
          <caption class="visually-hidden">{title}</caption>
          <thead>
            <tr>
              <th scope="col">{labelHeader}</th>
              {data.series.map((s) => (
                <th scope="col" key={s.key} class="num">
                  {s.name}
                </th>
              ))}
              {showTotal && (
                <th scope="col" class="num">
                  {totalHeader}
                </th>
              )}
            </tr>
          </thead>
          <tbody>
            {data.labels.map((label, i) => (
              <tr key={label}>
                <th scope="row">{label}</th>
                {data.series.map((s) => (
                  <td key={s.key} class="num">
                    {s.values[i] ?? 0}
                  </td>
                ))}
                {showTotal && <td class="num">{sums[i]}</td>}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </figure>
  );
}
