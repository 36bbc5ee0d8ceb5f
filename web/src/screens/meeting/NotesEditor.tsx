import { useEffect, useRef, useState } from 'preact/hooks';
import type { User } from '../../api/types';
import { userName } from '../../data/names';
import type { ViewSection } from '../../data/overlay';
import { t, useLang } from '../../i18n';
import { browserTimeZone, formatDateTime } from '../../i18n/format';
import type { Runtime } from '../../runtime';

/**
 * One textarea per agenda item. Typing is kept locally and queued in the outbox after a short
 * pause (and on blur), so it is on disk within a second and survives a crash or a reload.
 */
export function NotesEditor(props: { rt: Runtime; meetingId: number; agendaItemId: number | null; label: string; section?: ViewSection; serverVersion: number | null; users: Map<number, User> }) {
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
