import { useEffect, useState } from 'preact/hooks';
import type { User } from '../../api/types';
import { userName } from '../../data/names';
import type { ViewAgendaItem } from '../../data/overlay';
import { t } from '../../i18n';
import type { Runtime } from '../../runtime';
import { type Person, val } from './common';

export function Agenda({ rt, meetingId, items, people, users }: { rt: Runtime; meetingId: number; items: ViewAgendaItem[]; people: Person[]; users: Map<number, User> }) {
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

export function AgendaForm({ rt, meetingId, people, item, onDone }: { rt: Runtime; meetingId: number; people: Person[]; item?: ViewAgendaItem; onDone?: () => void }) {
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
