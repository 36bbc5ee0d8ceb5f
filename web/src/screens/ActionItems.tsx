import type { ActionItem, Meeting } from '../api/types';
import { RefreshNotice } from '../components/Notice';
import { useQuery, useRefresh, useRuntime } from '../data/hooks';
import { refreshMyActionItems } from '../data/loaders';
import { localized, overlayActionItems, type ViewActionItem } from '../data/overlay';
import { t, useLang } from '../i18n';
import { formatDate } from '../i18n/format';
import { useObservable } from '../lib/observable';
import { Link } from '../router';
import { outboxEntries } from '../runtime';
import { ENTITY } from '../sync/entities';

export function ActionItems() {
  const lang = useLang();
  const rt = useRuntime();
  const me = rt?.user.id ?? -1;
  const state = useRefresh((r) => refreshMyActionItems(r), []);
  const items = useQuery((s) => s.list<ActionItem>(ENTITY.actionItem), [], [] as ActionItem[]);
  const meetings = useQuery((s) => s.list<Meeting>(ENTITY.meeting), [], [] as Meeting[]);
  const byMeeting = new Map(meetings.map((m) => [m.id, m]));
  const pending = useObservable(outboxEntries);
  const mine = overlayActionItems(items, pending, (a) => a.owner_id === me)
    .filter((a) => a.status === 'open' || a.pending)
    .sort((a, b) => (a.due_date ?? '9999').localeCompare(b.due_date ?? '9999'));
  return (
    <section aria-labelledby="actions-title">
      <h1 id="actions-title">{t('actions.title')}</h1>
      <RefreshNotice state={state} />
      {!state.loading && mine.length === 0 && <p class="muted">{t('actions.empty')}</p>}
      <ul class="list" data-testid="my-action-items">
        {mine.map((a) => (
          <ActionRow key={a.key} a={a} meeting={byMeeting.get(a.meeting_id)} lang={lang} />
        ))}
      </ul>
    </section>
  );
}

export function ActionRow({ a, meeting, lang, owner }: { a: ViewActionItem; meeting?: Meeting; lang: ReturnType<typeof useLang>; owner?: string }) {
  const rt = useRuntime();
  const toggle = () => rt?.outbox.enqueue('action_item.update', { action_item_id: a.id, status: a.status === 'done' ? 'open' : 'done' }, a.version);
  return (
    <li class={`list-item action${a.pending ? ' is-pending' : ''}`} data-testid="action-item">
      <div class="row">
        <span class={a.status === 'done' ? 'title done' : 'title'}>{a.title}</span>
        <span class="tag">{t(`actions.status.${a.status}`)}</span>
        {a.overdue && a.status === 'open' && <span class="tag tag-warn">{t('actions.overdue')}</span>}
        {a.pending && <span class="tag tag-pending">{t('common.pending')}</span>}
      </div>
      <p class="muted small">
        {owner && <>{t('meeting.owner')}: {owner} · </>}
        {a.due_date && <>{t('actions.due', { date: formatDate(a.due_date, lang) })} · </>}
        {t('actions.meeting')}: <Link href={`/meetings/${a.meeting_id}`}>{meeting ? localized(meeting, lang) : `#${a.meeting_id}`}</Link>
      </p>
      {a.id > 0 && (
        <button type="button" onClick={toggle} data-testid="action-toggle">
          {a.status === 'done' ? t('actions.reopen') : t('actions.markDone')}
        </button>
      )}
    </li>
  );
}
