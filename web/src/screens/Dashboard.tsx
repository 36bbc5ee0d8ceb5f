/**
 * The dashboard: four charts from GET /dashboard, each with its numbers as a table. Loaded
 * on demand (app.tsx imports it dynamically) because the chart library is large.
 */
import { useMemo, useState } from 'preact/hooks';
import { directoryEndpoints } from '../api/directory';
import { ChartFigure } from '../components/Chart';
import { RemoteNotice } from '../components/RemoteNotice';
import { dashboardCharts, isEmptyChart, type ChartData } from '../data/dashboard';
import { useRuntime } from '../data/hooks';
import { orgName, useOrganizations } from '../data/names';
import { useRemote } from '../data/remote';
import { t, useLang, type MessageKey } from '../i18n';
import { browserTimeZone, formatDateTime } from '../i18n/format';
import { api } from '../runtime';
import './directory.css';

const dir = directoryEndpoints(api);
const MONTH_CHOICES = [3, 6, 12, 24];

export function Dashboard() {
  const lang = useLang();
  const rt = useRuntime();
  const tz = rt?.user.timezone || browserTimeZone();
  const orgs = useOrganizations();
  const [months, setMonths] = useState(12);
  const state = useRemote(`dashboard?months=${months}`, () => dir.dashboard(months));
  const d = state.data;
  const charts = useMemo(
    () =>
      d &&
      dashboardCharts(
        d,
        lang,
        { open: t('dash.open'), overdue: t('dash.overdue'), noOrg: t('dash.noOrg'), partnerships: t('dash.partnerships') },
        (id, fallback) => (orgs.has(id) ? orgName(orgs.get(id), id, lang) : fallback),
      ),
    [d, lang, orgs.size],
  );
  return (
    <section aria-labelledby="dashboard-title" class="dashboard">
      <h1 id="dashboard-title">{t('dash.title')}</h1>
      <RemoteNotice state={state} />
      {d && <p class="muted small">{t('dash.generated', { time: formatDateTime(d.generated_at, lang, tz) })}</p>}
      {charts && (
        <div class="chart-grid">
          <Figure id="meetings" titleKey="dash.meetingsPerCity" labelKey="series.col.year" data={charts.meetings} />
          <Figure id="actions" titleKey="dash.actionsPerOrg" labelKey="dash.organization" data={charts.actions} stacked horizontal />
          <div>
            <div class="field">
              <label for="dash-months">{t('dash.months')}</label>
              <select id="dash-months" value={months} onChange={(e) => setMonths(Number((e.currentTarget as HTMLSelectElement).value))} data-testid="dashboard-months">
                {MONTH_CHOICES.map((n) => (
                  <option key={n} value={n}>
                    {t('dash.monthsOption', { n })}
                  </option>
                ))}
              </select>
            </div>
            <Figure id="activity" titleKey="dash.activity" labelKey="dash.month" data={charts.activity} kind="line" />
          </div>
          <Figure id="sectors" titleKey="dash.sectors" labelKey="dir.col.sector" data={charts.sectors} horizontal />
        </div>
      )}
    </section>
  );
}

function Figure(props: { id: string; titleKey: MessageKey; labelKey: MessageKey; data: ChartData; kind?: 'bar' | 'line'; stacked?: boolean; horizontal?: boolean }) {
  const title = t(props.titleKey);
  if (isEmptyChart(props.data)) {
    return (
      <figure class="chart" aria-labelledby={`${props.id}-title`} data-testid={`chart-${props.id}`}>
        <figcaption id={`${props.id}-title`} class="chart-title">{title}</figcaption>
        <p class="muted">{t('dash.empty')}</p>
      </figure>
    );
  }
  return (
    <ChartFigure
      id={props.id}
      title={title}
      chartLabel={t('dash.chartLabel', { title })}
      labelHeader={t(props.labelKey)}
      totalHeader={t('dash.total')}
      data={props.data}
      kind={props.kind}
      stacked={props.stacked}
      horizontal={props.horizontal}
    />
  );
}
