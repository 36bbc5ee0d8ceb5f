import { useState } from 'preact/hooks';
import type { ViewAgendaItem } from '../../data/overlay';
import { t } from '../../i18n';
import type { Runtime } from '../../runtime';
import { type Person, val } from './common';

export function DecisionForm({ rt, meetingId, agenda }: { rt: Runtime; meetingId: number; agenda: ViewAgendaItem[] }) {
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

export function ActionForm({ rt, meetingId, people }: { rt: Runtime; meetingId: number; people: Person[] }) {
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
