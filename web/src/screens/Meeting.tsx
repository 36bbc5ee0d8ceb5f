import type { ActionItem, AgendaItem, Approval, Decision, Meeting as MeetingT, Minutes, MinutesSection } from '../api/types';
import { DownloadLink } from '../components/Download';
import { RefreshNotice } from '../components/Notice';
import { useQuery, useRefresh, useRuntime } from '../data/hooks';
import { refreshMeeting, refreshOrganizations, refreshUsers } from '../data/loaders';
import { useOrganizations, userName, useUsers } from '../data/names';
import { localized, overlayActionItems, overlayAgenda, overlayDecisions, overlaySections } from '../data/overlay';
import { t, useLang, type MessageKey } from '../i18n';
import { browserTimeZone } from '../i18n/format';
import { useObservable } from '../lib/observable';
import { api, outboxEntries } from '../runtime';
import { ENTITY } from '../sync/entities';
import { ActionRow } from './ActionItems';
import { MeetingTimes } from './Meetings';
import { Agenda } from './meeting/Agenda';
import { activeApprovals, Approvals, minutesState } from './meeting/Approvals';
import { peopleOf } from './meeting/common';
import { ActionForm, DecisionForm } from './meeting/ItemForms';
import { Upload } from './meeting/MinutesUpload';
import { NotesEditor } from './meeting/NotesEditor';

export function Meeting({ meetingId }: { meetingId: number }) {
  const lang = useLang();
  const rt = useRuntime();
  const tz = rt?.user.timezone || browserTimeZone();
  const state = useRefresh(
    (r) => Promise.all([refreshMeeting(r, meetingId), refreshOrganizations(r).catch(() => undefined), refreshUsers(r)]),
    [meetingId],
  );
  const meeting = useQuery((s) => s.get<MeetingT>(ENTITY.meeting, meetingId), [meetingId], undefined);
  const agendaCached = useQuery((s) => s.children<AgendaItem>(ENTITY.agenda, `meeting:${meetingId}`), [meetingId], [] as AgendaItem[]);
  const minutes = useQuery((s) => s.get<Minutes>(ENTITY.minutes, meetingId), [meetingId], undefined);
  const sectionsCached = useQuery((s) => s.children<MinutesSection>(ENTITY.minutesSection, `meeting:${meetingId}`), [meetingId], [] as MinutesSection[]);
  const decisionsCached = useQuery((s) => s.children<Decision>(ENTITY.decision, `meeting:${meetingId}`), [meetingId], [] as Decision[]);
  const approvals = useQuery((s) => s.children<Approval>(ENTITY.approval, `meeting:${meetingId}`), [meetingId], [] as Approval[]);
  const actionsCached = useQuery((s) => s.children<ActionItem>(ENTITY.actionItem, `meeting:${meetingId}`), [meetingId], [] as ActionItem[]);
  const pending = useObservable(outboxEntries);
  const orgs = useOrganizations();
  const users = useUsers();

  if (!meeting) {
    return (
      <section>
        <RefreshNotice state={state} />
        {!state.loading && <p>{t('common.notFound')}</p>}
      </section>
    );
  }

  const agenda = overlayAgenda(agendaCached, pending, meetingId);
  const sections = overlaySections(sectionsCached, pending, meetingId);
  const decisions = overlayDecisions([...decisionsCached].sort((a, b) => a.id - b.id), pending, meetingId);
  const sectionVersion = (agendaItemId: number | null): number | null => {
    const s = sectionsCached.find((x) => (x.agenda_item_id ?? null) === agendaItemId);
    // 0 = "not written yet": a section someone else created meanwhile is then a conflict.
    return s ? s.version : minutes ? 0 : null;
  };
  const actions = overlayActionItems(actionsCached, pending, (a) => a.meeting_id === meetingId);
  const people = peopleOf(meeting, users, rt?.user ?? null);
  const base = `${api.baseUrl}/meetings/${meetingId}`;

  return (
    <article class="meeting" aria-labelledby="meeting-title">
      <h1 id="meeting-title" lang={meeting.title_lang !== lang && meeting.translations?.[lang] ? lang : meeting.title_lang}>
        {localized(meeting, lang)}
      </h1>
      <RefreshNotice state={state} />
      <section aria-labelledby="details-title" class="card">
        <h2 id="details-title" class="visually-hidden">
          {t('meeting.details')}
        </h2>
        <p>
          <span class="tag">{t(`meetings.mode.${meeting.mode}`)}</span> <span class="tag" data-testid="meeting-status">{t(`meetings.status.${meeting.status}` as MessageKey)}</span>
        </p>
        <MeetingTimes m={meeting} lang={lang} tz={tz} orgs={orgs} />
        <dl class="times">
          {meeting.location && (
            <>
              <dt>{t('meeting.location')}</dt>
              <dd>{meeting.location}</dd>
            </>
          )}
          {meeting.online_url && (
            <>
              <dt>{t('meeting.onlineUrl')}</dt>
              <dd>
                <a href={meeting.online_url} rel="noopener noreferrer" target="_blank">
                  {meeting.online_url}
                </a>
              </dd>
            </>
          )}
          {meeting.participants?.length > 0 && (
            <>
              <dt>{t('meeting.participants')}</dt>
              <dd>{meeting.participants.map((p) => userName(users.get(p.user_id), p.user_id)).join(', ')}</dd>
            </>
          )}
        </dl>
        <h3>{t('meeting.export')}</h3>
        <ul class="inline-list" data-testid="export-links">
          <li>
            <DownloadLink href={`${base}/minutes/export?format=md`} filename={`minutes-${meetingId}.md`} testid="export-md">
              {t('meeting.exportMd')}
            </DownloadLink>
          </li>
          <li>
            <DownloadLink href={`${base}/minutes/export?format=docx`} filename={`minutes-${meetingId}.docx`} testid="export-docx">
              {t('meeting.exportDocx')}
            </DownloadLink>
          </li>
          <li>
            <DownloadLink href={`${base}/ics`} filename={`meeting-${meetingId}.ics`} testid="export-ics">
              {t('meeting.exportIcs')}
            </DownloadLink>
          </li>
        </ul>
      </section>

      {rt && <Agenda rt={rt} meetingId={meetingId} items={agenda} people={people} users={users} />}

      <section aria-labelledby="minutes-title" class="card">
        <h2 id="minutes-title">{t('meeting.minutes')}</h2>
        {minutes && <p class="muted small" data-testid="minutes-state">{t('meeting.minutesState', { state: t(`minutes.state.${minutesState(meeting, minutes, approvals)}` as MessageKey) })}</p>}
        {rt && (
          <>
            <NotesEditor rt={rt} meetingId={meetingId} agendaItemId={null} label={t('meeting.generalNotes')} section={sections.get('general')} serverVersion={sectionVersion(null)} users={users} />
            {agenda.map((a) =>
              a.id > 0 ? (
                <NotesEditor key={a.key} rt={rt} meetingId={meetingId} agendaItemId={a.id} label={t('meeting.notesFor', { title: a.title })} section={sections.get(a.id)} serverVersion={sectionVersion(a.id)} users={users} />
              ) : (
                <p key={a.key} class="muted small">
                  {t('meeting.notesFor', { title: a.title })}: {t('meeting.notesAfterSync')}
                </p>
              ),
            )}
          </>
        )}
      </section>

      {rt && <Upload rt={rt} meetingId={meetingId} agenda={agenda} />}

      <section aria-labelledby="decisions-title" class="card">
        <h2 id="decisions-title">{t('meeting.decisions')}</h2>
        {decisions.length === 0 && <p class="muted">{t('meeting.decisionsEmpty')}</p>}
        <ul class="list" data-testid="decision-list">
          {decisions.map((d) => (
            <li key={d.key} class={`list-item${d.pending ? ' is-pending' : ''}`} data-testid="decision-item">
              {d.text}
              {d.agenda_item_id !== null && <span class="muted small"> — {agenda.find((a) => a.id === d.agenda_item_id)?.title}</span>}
              {d.pending && <span class="tag tag-pending">{t('common.pending')}</span>}
            </li>
          ))}
        </ul>
        {rt && <DecisionForm rt={rt} meetingId={meetingId} agenda={agenda} />}
      </section>

      <section aria-labelledby="actions-title" class="card">
        <h2 id="actions-title">{t('meeting.actionItems')}</h2>
        {actions.length === 0 && <p class="muted">{t('meeting.actionsEmpty')}</p>}
        <ul class="list" data-testid="meeting-action-items">
          {actions.map((a) => (
            <ActionRow key={a.key} a={a} meeting={meeting} lang={lang} owner={userName(users.get(a.owner_id ?? -1), a.owner_id)} />
          ))}
        </ul>
        {rt && <ActionForm rt={rt} meetingId={meetingId} people={people} />}
      </section>

      {rt && <Approvals rt={rt} meeting={meeting} approvals={activeApprovals(minutes, approvals)} lang={lang} tz={tz} orgs={orgs} users={users} />}
    </article>
  );
}

