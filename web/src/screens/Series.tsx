/**
 * Meeting series: the list, and a series page following a recurring body across years (its
 * meetings, decisions and open action items, limited by the server to what the reader may see).
 * Both keep their last answer on this device (one copy per series) for reading offline.
 */
import { useMemo } from 'preact/hooks';
import { directoryEndpoints, nameIn, textIn, type City, type SeriesPage as SeriesPageData } from '../api/directory';
import type { Lang, User } from '../api/types';
import { RemoteNotice } from '../components/RemoteNotice';
import { useRuntime } from '../data/hooks';
import { meetingsByYear, partnershipLabel } from '../data/directoryView';
import { orgName, useOrganizations, userName } from '../data/names';
import { useRemote } from '../data/remote';
import { t, useLang, type MessageKey } from '../i18n';
import { browserTimeZone, formatDate, formatDateTime } from '../i18n/format';
import { Link } from '../router';
import { api } from '../runtime';
import './directory.css';

const dir = directoryEndpoints(api);

export function SeriesList() {
  const lang = useLang();
  const state = useRemote('meeting-series', () => dir.seriesList(), { persist: true });
  const list = state.data ?? [];
  return (
    <section aria-labelledby="series-title">
      <h1 id="series-title">{t('series.title')}</h1>
      <RemoteNotice state={state} />
      {state.data && list.length === 0 && <p class="muted">{t('series.empty')}</p>}
      <ul class="list" data-testid="series-list">
        {list.map((s) => (
          <li key={s.id} class="list-item" data-testid="series-item">
            <Link href={`/series/${s.id}`} class="list-link">
              <span class="title">{nameIn(s, lang)}</span>
            </Link>
            {s.description && <p class="muted small">{s.description}</p>}
          </li>
        ))}
      </ul>
    </section>
  );
}

interface SeriesContext {
  page: SeriesPageData;
  cities: City[];
  partnerships: Awaited<ReturnType<typeof dir.partnerships>>;
  users: User[];
}

export function SeriesPage({ seriesId }: { seriesId: number }) {
  const lang = useLang();
  const rt = useRuntime();
  const tz = rt?.user.timezone || browserTimeZone();
  const orgs = useOrganizations();
  const state = useRemote<SeriesContext>(`meeting-series/${seriesId}`, async () => {
    const [page, cities, partnerships, users] = await Promise.all([
      dir.series(seriesId),
      dir.cities(),
      dir.partnerships(),
      dir.users().catch(() => [] as User[]),
    ]);
    return { page, cities, partnerships, users };
  }, { persist: true });
  const d = state.data;
  const cities = useMemo(() => new Map((d?.cities ?? []).map((c) => [c.id, c])), [d]);
  const users = useMemo(() => new Map((d?.users ?? []).map((u) => [u.id, u])), [d]);
  const meetingTitle = useMemo(() => new Map((d?.page.meetings ?? []).map((m) => [m.id, textIn(m.title, undefined, m.translations, lang)])), [d, lang]);
  if (!d) {
    return (
      <section aria-labelledby="series-title">
        <p><Link href="/series">{t('series.all')}</Link></p>
        <h1 id="series-title">{t('series.title')}</h1>
        <RemoteNotice state={state} />
      </section>
    );
  }
  const { page } = d;
  const members = d.partnerships.filter((p) => page.series.partnership_ids.includes(p.id));
  const meetingLink = (id: number) => <Link href={`/meetings/${id}`}>{meetingTitle.get(id) ?? `#${id}`}</Link>;
  return (
    <section aria-labelledby="series-title" data-testid="series-page">
      <p><Link href="/series">{t('series.all')}</Link></p>
      <h1 id="series-title">{nameIn(page.series, lang)}</h1>
      <RemoteNotice state={state} />
      {page.series.description && <p>{page.series.description}</p>}

      <section aria-labelledby="series-partnerships" class="card">
        <h2 id="series-partnerships">{t('series.partnerships')}</h2>
        {members.length === 0 ? (
          <p class="muted">{t('series.partnershipsNone')}</p>
        ) : (
          <ul data-testid="series-partnerships">
            {members.map((p) => (
              <li key={p.id}>
                {partnershipLabel(p, cities, lang)} <span class="tag">{t(`dir.kind.${p.kind}` as MessageKey)}</span>
                {p.signed_on && <> <time dateTime={p.signed_on}>{formatDate(p.signed_on, lang)}</time></>}
              </li>
            ))}
          </ul>
        )}
      </section>

      {page.years.length > 0 && (
        <section aria-labelledby="series-years" class="card">
          <h2 id="series-years">{t('series.years')}</h2>
          <table class="data-table" data-testid="series-years">
            <caption class="visually-hidden">{t('series.yearsCaption')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('series.col.year')}</th>
                <th scope="col" class="num">{t('series.col.meetings')}</th>
                <th scope="col" class="num">{t('series.col.decisions')}</th>
              </tr>
            </thead>
            <tbody>
              {page.years.map((y) => (
                <tr key={y.year}>
                  <th scope="row">{y.year}</th>
                  <td class="num">{y.meetings}</td>
                  <td class="num">{y.decisions}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}

      <section aria-labelledby="series-meetings" class="card">
        <h2 id="series-meetings">{t('series.meetings')}</h2>
        {page.meetings.length === 0 && <p class="muted">{t('series.meetingsEmpty')}</p>}
        {meetingsByYear(page.meetings).map(({ year, meetings }) => (
          <section key={year} aria-labelledby={`series-year-${year}`}>
            <h3 id={`series-year-${year}`}>{year}</h3>
            <ul class="list" data-testid="series-meetings">
              {meetings.map((m) => (
                <li key={m.id} class="list-item" data-testid="series-meeting">
                  <Link href={`/meetings/${m.id}`} class="list-link">
                    <span class="title">{textIn(m.title, undefined, m.translations, lang)}</span>
                    <span class="tag">{t(`series.status.${m.status}` as MessageKey)}</span>
                  </Link>
                  <p class="muted small">
                    <time dateTime={m.starts_at}>{formatDateTime(m.starts_at, lang, tz)}</time>
                  </p>
                </li>
              ))}
            </ul>
          </section>
        ))}
      </section>

      <section aria-labelledby="series-decisions" class="card">
        <h2 id="series-decisions">{t('series.decisions')}</h2>
        {page.decisions.length === 0 ? (
          <p class="muted">{t('series.decisionsEmpty')}</p>
        ) : (
          <ul class="list" data-testid="series-decisions">
            {page.decisions.map((dec) => (
              <li key={dec.id} class="list-item">
                <p>{textIn(dec.text, dec.text_lang, dec.translations, lang)}</p>
                <p class="muted small">{t('actions.meeting')}: {meetingLink(dec.meeting_id)}</p>
              </li>
            ))}
          </ul>
        )}
      </section>

      <section aria-labelledby="series-open" class="card">
        <h2 id="series-open">{t('series.openItems')}</h2>
        {page.open_action_items.length === 0 ? (
          <p class="muted">{t('series.openEmpty')}</p>
        ) : (
          <ul class="list" data-testid="series-open-items">
            {page.open_action_items.map((a) => (
              <li key={a.id} class="list-item">
                <div class="row">
                  <span class="title">{textIn(a.title, a.title_lang, a.translations, lang)}</span>
                  {a.overdue && <span class="tag tag-warn">{t('actions.overdue')}</span>}
                </div>
                <p class="muted small">
                  {a.owner_id !== null && <>{t('meeting.owner')}: {userName(users.get(a.owner_id), a.owner_id)} · </>}
                  {a.organization_id !== null && <>{orgName(orgs.get(a.organization_id), a.organization_id, lang as Lang)} · </>}
                  {a.due_date && <>{t('actions.due', { date: formatDate(a.due_date, lang) })} · </>}
                  {t('actions.meeting')}: {meetingLink(a.meeting_id)}
                </p>
              </li>
            ))}
          </ul>
        )}
      </section>
    </section>
  );
}
