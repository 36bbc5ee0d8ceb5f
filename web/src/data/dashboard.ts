/**
 * Turns the dashboard's figures (GET /dashboard) into chart data: category labels and one
 * numeric series per thing compared. The same ChartData feeds the chart and its table, so
 * what is drawn and what is read out are the same numbers. Pure: no DOM, no chart library.
 */
import type { Dashboard, DashboardChannelMonth, DashboardCityYear, DashboardOrganization, DashboardSector } from '../api/directory';
import type { Lang } from '../api/types';

export interface ChartSeries {
  /** Stable identity (an id), for colours that do not move when names are translated. */
  key: string;
  name: string;
  values: number[];
}

export interface ChartData {
  labels: string[];
  series: ChartSeries[];
}

const collator = (lang: Lang) => new Intl.Collator(lang);

function translated(name: string, translations: Record<string, string> | undefined, lang: Lang): string {
  return translations?.[lang] || name;
}

/** Years from the first to the last with meetings, gaps included (a year without meetings is 0). */
function yearRange(years: number[]): number[] {
  if (years.length === 0) return [];
  const lo = Math.min(...years);
  const hi = Math.max(...years);
  const out: number[] = [];
  for (let y = lo; y <= hi; y++) out.push(y);
  return out;
}

/** Meetings per Chinese partner city (one series each) and year (labels). */
export function meetingsPerCityYear(rows: DashboardCityYear[], lang: Lang): ChartData {
  const years = yearRange(rows.map((r) => r.year));
  const cities = new Map<number, ChartSeries>();
  for (const r of rows) {
    let s = cities.get(r.city_id);
    if (!s) {
      s = { key: `city-${r.city_id}`, name: translated(r.city_name, r.translations, lang), values: years.map(() => 0) };
      cities.set(r.city_id, s);
    }
    s.values[years.indexOf(r.year)] += r.meetings;
  }
  const c = collator(lang);
  return { labels: years.map(String), series: [...cities.values()].sort((a, b) => c.compare(a.name, b.name)) };
}

/**
 * Open and overdue action items per organization: one label per organization (most open
 * first), two series. `names` gives an organization's name in the reader's language when
 * known; `noOrg` labels items whose owner has no organization.
 */
export function actionItemsPerOrganization(
  rows: DashboardOrganization[],
  names: { open: string; overdue: string; noOrg: string },
  orgName: (id: number, fallback: string) => string = (_id, fallback) => fallback,
): ChartData {
  const sorted = [...rows].sort((a, b) => b.open - a.open || b.overdue - a.overdue || (a.organization_id ?? 0) - (b.organization_id ?? 0));
  return {
    labels: sorted.map((r) => (r.organization_id === null ? names.noOrg : orgName(r.organization_id, r.organization_name) || `#${r.organization_id}`)),
    series: [
      { key: 'open', name: names.open, values: sorted.map((r) => r.open) },
      { key: 'overdue', name: names.overdue, values: sorted.map((r) => r.overdue) },
    ],
  };
}

/** The `months` months ("YYYY-MM", UTC) that end with the month of `at`, oldest first. */
export function monthsEnding(at: string | Date, months: number): string[] {
  const d = new Date(at);
  if (isNaN(d.getTime()) || months < 1) return [];
  const last = d.getUTCFullYear() * 12 + d.getUTCMonth();
  const out: string[] = [];
  for (let i = last - months + 1; i <= last; i++) {
    const y = Math.floor(i / 12);
    const m = (i % 12) + 1;
    out.push(`${y}-${String(m).padStart(2, '0')}`);
  }
  return out;
}

/** "2026-03" as the reader says it ("2026년 3월", "2026年3月", "Mar 2026"). */
export function formatMonth(month: string, lang: Lang): string {
  const m = /^(\d{4})-(\d{2})$/.exec(month);
  if (!m) return month;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, 15));
  return new Intl.DateTimeFormat(lang, { year: 'numeric', month: 'short', timeZone: 'UTC' }).format(d);
}

/**
 * Messages per channel (one series each) and month: every month of the window is a label,
 * so quiet months show as 0 instead of disappearing.
 */
export function activityPerChannelMonth(rows: DashboardChannelMonth[], months: number, generatedAt: string, lang: Lang): ChartData {
  const keys = monthsEnding(generatedAt, months);
  // Rows outside the window (clock skew between server and client) still get a column.
  for (const r of rows) if (!keys.includes(r.month)) keys.push(r.month);
  keys.sort();
  const channels = new Map<number, ChartSeries>();
  for (const r of rows) {
    let s = channels.get(r.channel_id);
    if (!s) {
      s = { key: `channel-${r.channel_id}`, name: r.channel_name || `#${r.channel_id}`, values: keys.map(() => 0) };
      channels.set(r.channel_id, s);
    }
    s.values[keys.indexOf(r.month)] += r.messages;
  }
  const c = collator(lang);
  return { labels: keys.map((k) => formatMonth(k, lang)), series: [...channels.values()].sort((a, b) => c.compare(a.name, b.name)) };
}

/** Partnerships with a current counterpart pair, per sector (every sector, in the server's order). */
export function partnershipsPerSector(rows: DashboardSector[], seriesName: string, lang: Lang): ChartData {
  return {
    labels: rows.map((r) => translated(r.name, r.translations, lang)),
    series: [{ key: 'partnerships', name: seriesName, values: rows.map((r) => r.partnerships) }],
  };
}

/** True when there is nothing to draw (no labels, or every value 0 and no series). */
export function isEmptyChart(d: ChartData): boolean {
  return d.labels.length === 0 || d.series.length === 0;
}

/** Sum of each label's values across series (the table's total column). */
export function totals(d: ChartData): number[] {
  return d.labels.map((_, i) => d.series.reduce((sum, s) => sum + (s.values[i] ?? 0), 0));
}

/** A short text of the numbers, for screen readers and tooltips: "2025: 北京 3, 上海 1; 2026: ...". */
export function describeChart(d: ChartData): string {
  return d.labels
    .map((label, i) => `${label}: ${d.series.map((s) => `${s.name} ${s.values[i] ?? 0}`).join(', ')}`)
    .join('; ');
}

/** All four charts of a dashboard answer. */
export function dashboardCharts(
  dash: Dashboard,
  lang: Lang,
  names: { open: string; overdue: string; noOrg: string; partnerships: string },
  orgName?: (id: number, fallback: string) => string,
) {
  return {
    meetings: meetingsPerCityYear(dash.meetings_per_partner_city_year, lang),
    actions: actionItemsPerOrganization(dash.action_items_per_organization, names, orgName),
    activity: activityPerChannelMonth(dash.activity_per_channel_month, dash.months, dash.generated_at, lang),
    sectors: partnershipsPerSector(dash.partnerships_per_sector, names.partnerships, lang),
  };
}
