import type { Lang, Meeting, Organization } from '../api/types';
import { RefreshNotice } from '../components/Notice';
import { useQuery, useRefresh, useRuntime } from '../data/hooks';
import { refreshMeetings, refreshOrganizations } from '../data/loaders';
import { orgName, useOrganizations } from '../data/names';
import { localized } from '../data/overlay';
import { t, useLang } from '../i18n';
import { browserTimeZone, formatRange, zonesDiffer } from '../i18n/format';
import { Link } from '../router';
import { ENTITY } from '../sync/entities';

export function Meetings() {
  const lang = useLang();
  const rt = useRuntime();
  const tz = rt?.user.timezone || browserTimeZone();
  const state = useRefresh((r) => Promise.all([refreshMeetings(r), refreshOrganizations(r).catch(() => undefined)]), []);
  const meetings = useQuery((s) => s.list<Meeting>(ENTITY.meeting), [], [] as Meeting[]);
  const orgs = useOrganizations();
  const sorted = [...meetings].sort((a, b) => b.starts_at.localeCompare(a.starts_at));
  return (
    <section aria-labelledby="meetings-title">
      <h1 id="meetings-title">{t('meetings.title')}</h1>
      <RefreshNotice state={state} />
      {!state.loading && sorted.length === 0 && <p class="muted">{t('meetings.empty')}</p>}
      <ul class="list" data-testid="meeting-list">
        {sorted.map((m) => (
          <li key={m.id} class="list-item" data-testid="meeting-item">
            <Link href={`/meetings/${m.id}`} class="list-link">
              <span class="title">{localized(m, lang)}</span>
              <span class="tag">{t(`meetings.mode.${m.mode}`)}</span>
            </Link>
            <MeetingTimes m={m} lang={lang} tz={tz} orgs={orgs} />
          </li>
        ))}
      </ul>
    </section>
  );
}

/** Your time, the meeting's zone when it differs, and every delegation's local time. */
export function MeetingTimes({ m, lang, tz, orgs }: { m: Meeting; lang: Lang; tz: string; orgs: Map<number, Organization> }) {
  const at = new Date(m.starts_at);
  const delegations = (m.local_times ?? []).filter((lt) => lt.timezone);
  return (
    <dl class="times" data-testid="meeting-times">
      <dt>{t('meetings.yourTime', { tz })}</dt>
      <dd>{formatRange(m.starts_at, m.ends_at, lang, tz)}</dd>
      {m.timezone && zonesDiffer(m.timezone, tz, at) && (
        <>
          <dt>{t('meetings.meetingTime', { tz: m.timezone })}</dt>
          <dd>{formatRange(m.starts_at, m.ends_at, lang, m.timezone)}</dd>
        </>
      )}
      {delegations.map((lt) => (
        <>
          <dt key={`o${lt.organization_id}`}>
            {orgName(orgs.get(lt.organization_id), lt.organization_id, lang)} ({lt.timezone})
          </dt>
          <dd key={`d${lt.organization_id}`} data-testid="delegation-time">
            {formatRange(m.starts_at, m.ends_at, lang, lt.timezone)}
          </dd>
        </>
      ))}
    </dl>
  );
}
