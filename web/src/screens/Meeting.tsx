import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, NetworkError } from '../api/client';
import type { ActionItem, AgendaItem, Approval, Decision, Lang, Meeting as MeetingT, Minutes, MinutesSection, MinutesUpload, User } from '../api/types';
import { uploadWithProgress } from '../api/upload';
import { DownloadLink } from '../components/Download';
import { RefreshNotice } from '../components/Notice';
import { useQuery, useRefresh, useRuntime } from '../data/hooks';
import { refreshMeeting, refreshOrganizations, refreshUsers } from '../data/loaders';
import { orgName, useOrganizations, userName, useUsers } from '../data/names';
import { localized, overlayActionItems, overlayAgenda, overlayDecisions, overlaySections, type ViewAgendaItem, type ViewSection } from '../data/overlay';
import { t, useLang, type MessageKey } from '../i18n';
import { browserTimeZone, formatDateTime } from '../i18n/format';
import { useObservable } from '../lib/observable';
import { api, ep, online, outboxEntries, type Runtime } from '../runtime';
import { ENTITY, type Row } from '../sync/entities';
import { ActionRow } from './ActionItems';
import { MeetingTimes } from './Meetings';

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

/** Approvals of the current amendment that are not withdrawn. */
function activeApprovals(minutes: Minutes | undefined, approvals: Approval[]): Approval[] {
  const amendment = minutes?.amendment;
  return approvals.filter((a) => !a.withdrawn_at && (amendment === undefined || a.amendment === amendment));
}

/** As the server computes it: approved when every delegation approved this amendment. */
function minutesState(meeting: MeetingT, minutes: Minutes, approvals: Approval[]): 'draft' | 'in_review' | 'approved' {
  const active = activeApprovals(minutes, approvals);
  const orgs = new Set(active.map((a) => a.organization_id));
  const all = meeting.organization_ids ?? [];
  if (all.length > 0 && all.every((o) => orgs.has(o))) return 'approved';
  return active.length ? 'in_review' : 'draft';
}

interface Person {
  id: number;
  name: string;
}
function peopleOf(m: MeetingT, users: Map<number, User>, me: User | null): Person[] {
  const ids = new Set<number>((m.participants ?? []).map((p) => p.user_id));
  if (me) ids.add(me.id);
  return [...ids].map((id) => ({ id, name: id === me?.id ? me.display_name || me.username : userName(users.get(id), id) }));
}

const val = (e: Event) => (e.currentTarget as HTMLInputElement).value;

// ------------------------------------------------------------------ agenda

function Agenda({ rt, meetingId, items, people, users }: { rt: Runtime; meetingId: number; items: ViewAgendaItem[]; people: Person[]; users: Map<number, User> }) {
  const [editing, setEditing] = useState<number | null>(null);
  const [focusId, setFocusId] = useState<string | null>(null);
  useEffect(() => {
    if (focusId) document.getElementById(focusId)?.focus();
  }, [focusId, items]);

  const move = (index: number, delta: number) => {
    const target = index + delta;
    if (target < 0 || target >= items.length) return;
    const synced = items.filter((i) => i.id > 0);
    const order = [...items];
    const [it] = order.splice(index, 1);
    order.splice(target, 0, it);
    if (synced.length < 2 || it.id < 0) return;
    void rt.outbox.enqueue('agenda.reorder', { meeting_id: meetingId, item_ids: order.filter((i) => i.id > 0).map((i) => i.id) });
    setFocusId(`agenda-${it.id}`);
  };

  return (
    <section aria-labelledby="agenda-title" class="card">
      <h2 id="agenda-title">{t('meeting.agenda')}</h2>
      <p class="muted small" id="agenda-hint">
        {t('meeting.reorderHint')}
      </p>
      {items.length === 0 && <p class="muted">{t('meeting.agendaEmpty')}</p>}
      <ol class="agenda" data-testid="agenda-list">
        {items.map((a, i) => (
          <li
            key={a.key}
            id={a.id > 0 ? `agenda-${a.id}` : undefined}
            class={`agenda-item${a.pending ? ' is-pending' : ''}`}
            tabIndex={a.id > 0 ? 0 : -1}
            aria-describedby="agenda-hint"
            data-testid="agenda-item"
            onKeyDown={(e) => {
              if (e.target !== e.currentTarget || !e.altKey) return;
              if (e.key === 'ArrowUp') {
                e.preventDefault();
                move(i, -1);
              } else if (e.key === 'ArrowDown') {
                e.preventDefault();
                move(i, 1);
              }
            }}
          >
            {editing === a.id ? (
              <AgendaForm
                rt={rt}
                meetingId={meetingId}
                people={people}
                item={a}
                onDone={() => {
                  setEditing(null);
                  setFocusId(`agenda-${a.id}`);
                }}
              />
            ) : (
              <div class="row">
                <span class="title">{a.title}</span>
                {a.duration_minutes ? <span class="muted small">{t('meeting.durationValue', { n: a.duration_minutes })}</span> : null}
                {a.presenter_id ? <span class="muted small">{userName(users.get(a.presenter_id), a.presenter_id)}</span> : null}
                {a.pending && <span class="tag tag-pending">{t('common.pending')}</span>}
                {a.id > 0 && (
                  <span class="row-actions">
                    <button type="button" id={`agenda-up-${a.id}`} aria-label={t('meeting.moveUp', { title: a.title })} disabled={i === 0} onClick={() => move(i, -1)} data-testid="agenda-move-up">
                      ↑
                    </button>
                    <button type="button" id={`agenda-down-${a.id}`} aria-label={t('meeting.moveDown', { title: a.title })} disabled={i === items.length - 1} onClick={() => move(i, 1)} data-testid="agenda-move-down">
                      ↓
                    </button>
                    <button type="button" onClick={() => setEditing(a.id)} data-testid="agenda-edit">
                      {t('common.edit')}
                    </button>
                    <button type="button" onClick={() => void rt.outbox.enqueue('agenda.delete', { agenda_item_id: a.id }, a.version)} data-testid="agenda-delete">
                      {t('common.delete')}
                    </button>
                  </span>
                )}
              </div>
            )}
          </li>
        ))}
      </ol>
      <h3>{t('meeting.addAgenda')}</h3>
      <AgendaForm rt={rt} meetingId={meetingId} people={people} />
    </section>
  );
}

function AgendaForm({ rt, meetingId, people, item, onDone }: { rt: Runtime; meetingId: number; people: Person[]; item?: ViewAgendaItem; onDone?: () => void }) {
  const [title, setTitle] = useState(item?.title ?? '');
  const [duration, setDuration] = useState(item?.duration_minutes ? String(item.duration_minutes) : '');
  const [presenter, setPresenter] = useState(item?.presenter_id ? String(item.presenter_id) : '');
  const idp = item ? `agenda-edit-${item.id}` : 'agenda-new';
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!title.trim()) return;
    const fields = { title: title.trim(), duration_minutes: duration ? Number(duration) : null, presenter_id: presenter ? Number(presenter) : null };
    if (item) await rt.outbox.enqueue('agenda.update', { agenda_item_id: item.id, ...fields }, item.version);
    else await rt.outbox.enqueue('agenda.create', { meeting_id: meetingId, ...fields });
    if (!item) {
      setTitle('');
      setDuration('');
      setPresenter('');
    }
    onDone?.();
  };
  return (
    <form class="inline-form" onSubmit={submit} data-testid={item ? 'agenda-edit-form' : 'agenda-form'}>
      <div class="field grow">
        <label for={`${idp}-title`}>{t('meeting.agendaTitle')}</label>
        <input id={`${idp}-title`} required value={title} onInput={(e) => setTitle(val(e))} data-testid="agenda-title-input" />
      </div>
      <div class="field">
        <label for={`${idp}-duration`}>{t('meeting.duration')}</label>
        <input id={`${idp}-duration`} type="number" min={0} max={600} value={duration} onInput={(e) => setDuration(val(e))} />
      </div>
      <div class="field">
        <label for={`${idp}-presenter`}>{t('meeting.presenter')}</label>
        <select id={`${idp}-presenter`} value={presenter} onChange={(e) => setPresenter(val(e))}>
          <option value="">{t('meeting.noPresenter')}</option>
          {people.map((p) => (
            <option key={p.id} value={String(p.id)}>
              {p.name}
            </option>
          ))}
        </select>
      </div>
      <button type="submit" class="primary">
        {item ? t('common.save') : t('common.add')}
      </button>
      {onDone && (
        <button type="button" onClick={onDone}>
          {t('common.cancel')}
        </button>
      )}
    </form>
  );
}

// ------------------------------------------------------------------ minutes

/**
 * One textarea per agenda item. Typing is kept locally and queued in the outbox after a short
 * pause (and on blur), so it is on disk within a second and survives a crash or a reload.
 */
function NotesEditor(props: { rt: Runtime; meetingId: number; agendaItemId: number | null; label: string; section?: ViewSection; serverVersion: number | null; users: Map<number, User> }) {
  const { rt, meetingId, agendaItemId, section } = props;
  const lang = useLang();
  const external = section?.notes ?? '';
  const [draft, setDraft] = useState(external);
  const [saved, setSaved] = useState(false);
  const dirty = useRef(false);
  const focused = useRef(false);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const latest = useRef({ draft, version: props.serverVersion });
  latest.current = { draft, version: props.serverVersion };

  useEffect(() => {
    if (!dirty.current && !focused.current) setDraft(external);
  }, [external]);

  const flush = async () => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = null;
    if (!dirty.current) return;
    dirty.current = false;
    await rt.outbox.enqueue('minutes.update_section', { meeting_id: meetingId, agenda_item_id: agendaItemId, notes: latest.current.draft }, latest.current.version);
    setSaved(true);
  };
  useEffect(() => () => void flush(), []);

  const key = agendaItemId ?? 'general';
  const id = `notes-${key}`;
  return (
    <div class="field notes">
      <label for={id}>{props.label}</label>
      <textarea
        id={id}
        rows={5}
        value={draft}
        data-testid={`minutes-textarea-${key}`}
        onFocus={() => (focused.current = true)}
        onBlur={() => {
          focused.current = false;
          void flush();
        }}
        onInput={(e) => {
          setDraft((e.currentTarget as HTMLTextAreaElement).value);
          dirty.current = true;
          setSaved(false);
          if (timer.current) clearTimeout(timer.current);
          timer.current = setTimeout(() => void flush(), 800);
        }}
      />
      <span class="muted small" aria-live="polite" data-testid={`minutes-saved-${key}`}>
        {saved || section?.pending ? t('meeting.savedLocally') : '\u00a0'}
      </span>
      {section?.conflict_copies && section.conflict_copies.length > 0 && (
        <details class="conflict-copies" data-testid={`conflict-copies-${key}`}>
          <summary>{t('meeting.conflictCopies')}</summary>
          {section.conflict_copies.map((c) => (
            <div key={c.id} class="conflict-copy" data-testid="conflict-copy">
              <p class="muted small">{t('meeting.conflictCopyBy', { name: userName(props.users.get(c.author_id), c.author_id), time: formatDateTime(c.created_at, lang, rt.user.timezone || browserTimeZone()) })}</p>
              <pre class="text-block" lang={c.notes_lang}>
                {c.notes}
              </pre>
              <button type="button" data-testid="conflict-copy-resolve" onClick={() => void rt.outbox.enqueue('minutes.resolve_conflict', { section_id: section.id, copy_id: c.id }, section.version)}>
                {t('meeting.conflictCopyResolve')}
              </button>
            </div>
          ))}
        </details>
      )}
    </div>
  );
}

// ------------------------------------------------------------------ upload

function Upload({ rt, meetingId, agenda }: { rt: Runtime; meetingId: number; agenda: ViewAgendaItem[] }) {
  const [file, setFile] = useState<File | null>(null);
  const [progress, setProgress] = useState<number | null>(null);
  const [result, setResult] = useState<MinutesUpload | null>(null);
  const [mapping, setMapping] = useState<(number | null)[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [applied, setApplied] = useState(false);
  const [busy, setBusy] = useState(false);
  const isOnline = useObservable(online);
  const fail = (err: unknown) =>
    setError(err instanceof NetworkError ? t('error.offline') : t('error.generic', { detail: err instanceof ApiError ? err.detail : String(err) }));

  const upload = async (e: Event) => {
    e.preventDefault();
    if (!file) return;
    setError(null);
    setApplied(false);
    setResult(null);
    setProgress(0);
    try {
      const res = await uploadWithProgress<MinutesUpload>({
        url: api.url(`/meetings/${meetingId}/minutes/upload`),
        file,
        token: api.token(),
        onProgress: (loaded, total) => setProgress(Math.round((loaded / total) * 100)),
      }).promise;
      setProgress(100);
      setResult(res);
      setMapping(res.sections.map((s) => s.agenda_item_id ?? null));
    } catch (err) {
      setProgress(null);
      fail(err);
    }
  };

  // The server writes the sections (one minutes version, approvals handled there).
  const apply = async () => {
    if (!result) return;
    setBusy(true);
    setError(null);
    try {
      const minutes = await ep.confirmUpload(meetingId, result.id, {
        assignments: result.sections.map((s, i) => ({ section_index: s.index, agenda_item_id: mapping[i] ?? null })),
      });
      await rt.store.putMinutes(minutes as unknown as Row);
      setApplied(true);
    } catch (err) {
      fail(err);
    } finally {
      setBusy(false);
    }
  };

  const synced = agenda.filter((a) => a.id > 0);
  return (
    <section aria-labelledby="upload-title" class="card">
      <h2 id="upload-title">{t('meeting.upload')}</h2>
      <form class="inline-form" onSubmit={upload}>
        <div class="field grow">
          <label for="minutes-file">{t('meeting.uploadLabel')}</label>
          <input
            id="minutes-file"
            type="file"
            accept=".docx,.pdf,.hwpx,.md,.markdown,.txt,application/vnd.openxmlformats-officedocument.wordprocessingml.document,application/pdf,text/markdown"
            data-testid="upload-input"
            onChange={(e) => setFile((e.currentTarget as HTMLInputElement).files?.[0] ?? null)}
          />
        </div>
        <button type="submit" class="primary" disabled={!file || !isOnline} data-testid="upload-button">
          {t('meeting.upload')}
        </button>
      </form>
      {progress !== null && (
        <div class="field">
          <label for="upload-progress">{t('meeting.uploadProgress')}</label>
          <progress id="upload-progress" max={100} value={progress} data-testid="upload-progress">
            {progress}%
          </progress>{' '}
          <span class="small" data-testid="upload-percent">{progress}%</span>
        </div>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {result && (
        <div data-testid="mapping-preview">
          <p role="status">{t('meeting.uploaded', { n: result.sections.length })}</p>
          {result.warnings.length > 0 && (
            <ul class="small warn">
              {result.warnings.map((w, i) => (
                <li key={i}>{w}</li>
              ))}
            </ul>
          )}
          <table class="mapping">
            <caption>{t('meeting.mapping')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('meeting.mappingSection')}</th>
                <th scope="col">{t('meeting.mappingItem')}</th>
                <th scope="col">{t('meeting.mappingMethod')}</th>
              </tr>
            </thead>
            <tbody>
              {result.sections.map((s, i) => (
                <tr key={s.index} data-testid="mapping-row">
                  <th scope="row">
                    {s.heading || `#${i + 1}`}
                    <div class="muted small">{s.text.slice(0, 140)}</div>
                  </th>
                  <td>
                    <label for={`map-${i}`} class="visually-hidden">
                      {t('meeting.mappingItem')}: {s.heading ?? `#${i + 1}`}
                    </label>
                    <select
                      id={`map-${i}`}
                      data-testid="mapping-select"
                      value={mapping[i] === null || mapping[i] === undefined ? '' : String(mapping[i])}
                      onChange={(e) => {
                        const v = val(e);
                        setMapping(mapping.map((m, j) => (j === i ? (v ? Number(v) : null) : m)));
                      }}
                    >
                      <option value="">{t('meeting.mappingNone')}</option>
                      {synced.map((a) => (
                        <option key={a.id} value={String(a.id)}>
                          {a.title}
                        </option>
                      ))}
                    </select>
                  </td>
                  <td class="small" data-testid="mapping-method">
                    {s.method}
                    {s.score > 0 && s.score < 1 ? ` (${Math.round(s.score * 100)}%)` : ''}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <button type="button" class="primary" disabled={busy || applied || !isOnline} onClick={() => void apply()} data-testid="apply-mapping">
            {t('meeting.applyMapping')}
          </button>
          {applied && <p role="status" data-testid="mapping-applied">{t('meeting.mappingApplied')}</p>}
        </div>
      )}
    </section>
  );
}

// ------------------------------------------------------------------ decisions & action items

function DecisionForm({ rt, meetingId, agenda }: { rt: Runtime; meetingId: number; agenda: ViewAgendaItem[] }) {
  const [text, setText] = useState('');
  const [item, setItem] = useState('');
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!text.trim()) return;
    await rt.outbox.enqueue('decision.create', { meeting_id: meetingId, agenda_item_id: item ? Number(item) : null, text: text.trim() });
    setText('');
  };
  return (
    <form class="inline-form" onSubmit={submit} data-testid="decision-form">
      <div class="field grow">
        <label for="decision-text">{t('meeting.decisionText')}</label>
        <input id="decision-text" required value={text} onInput={(e) => setText(val(e))} />
      </div>
      <div class="field">
        <label for="decision-item">{t('meeting.decisionItem')}</label>
        <select id="decision-item" value={item} onChange={(e) => setItem(val(e))}>
          <option value="">—</option>
          {agenda
            .filter((a) => a.id > 0)
            .map((a) => (
              <option key={a.id} value={String(a.id)}>
                {a.title}
              </option>
            ))}
        </select>
      </div>
      <button type="submit">{t('meeting.addDecision')}</button>
    </form>
  );
}

function ActionForm({ rt, meetingId, people }: { rt: Runtime; meetingId: number; people: Person[] }) {
  const [title, setTitle] = useState('');
  const [owner, setOwner] = useState(String(rt.user.id));
  const [due, setDue] = useState('');
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!title.trim()) return;
    await rt.outbox.enqueue('action_item.create', { meeting_id: meetingId, title: title.trim(), owner_id: owner ? Number(owner) : null, due_date: due || null });
    setTitle('');
    setDue('');
  };
  return (
    <form class="inline-form" onSubmit={submit} data-testid="action-item-form">
      <div class="field grow">
        <label for="action-title">{t('meeting.actionTitle')}</label>
        <input id="action-title" required value={title} onInput={(e) => setTitle(val(e))} data-testid="action-item-title" />
      </div>
      <div class="field">
        <label for="action-owner">{t('meeting.owner')}</label>
        <select id="action-owner" value={owner} onChange={(e) => setOwner(val(e))}>
          <option value="">—</option>
          {people.map((p) => (
            <option key={p.id} value={String(p.id)}>
              {p.name}
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for="action-due">{t('meeting.due')}</label>
        <input id="action-due" type="date" value={due} onInput={(e) => setDue(val(e))} />
      </div>
      <button type="submit" data-testid="action-item-submit">
        {t('meeting.addAction')}
      </button>
    </form>
  );
}

// ------------------------------------------------------------------ approvals

function Approvals(props: { rt: Runtime; meeting: MeetingT; approvals: Approval[]; lang: Lang; tz: string; orgs: ReturnType<typeof useOrganizations>; users: Map<number, User> }) {
  const { rt, meeting, approvals, lang, tz, orgs, users } = props;
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const orgIds = [...new Set([...(meeting.organization_ids ?? []), ...approvals.map((a) => a.organization_id)])];
  const myOrg = rt.user.organization_id;
  const mine = approvals.find((a) => a.organization_id === myOrg);
  const approve = async () => {
    setBusy(true);
    setError(null);
    try {
      await rt.store.putMinutes((await ep.approveMinutes(meeting.id)) as unknown as Row);
    } catch (err) {
      setError(err instanceof NetworkError ? t('error.offline') : t('error.generic', { detail: err instanceof ApiError ? err.detail : String(err) }));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section aria-labelledby="approvals-title" class="card">
      <h2 id="approvals-title">{t('meeting.approvals')}</h2>
      <ul class="list" data-testid="approvals">
        {orgIds.map((id) => {
          const a = approvals.find((x) => x.organization_id === id);
          return (
            <li key={id} class="list-item" data-testid="approval" data-approved={a ? 'true' : 'false'}>
              <strong>{orgName(orgs.get(id), id, lang)}</strong>:{' '}
              {a ? (
                <span class="ok">
                  ✓ {t('meeting.approved', { time: formatDateTime(a.approved_at, lang, tz) })}
                  {` — ${userName(users.get(a.user_id), a.user_id)}`}
                </span>
              ) : (
                <span class="muted">{t('meeting.notApproved')}</span>
              )}
            </li>
          );
        })}
      </ul>
      {myOrg !== null && orgIds.includes(myOrg) && !mine && (
        <button type="button" class="primary" disabled={busy} onClick={() => void approve()} data-testid="approve-button">
          {t('meeting.approve')}
        </button>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
