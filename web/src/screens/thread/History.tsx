/**
 * A message's edit history, opened from its "(edited)" mark: the bodies it had before each
 * edit (GET /messages/{id}/history), with who replaced them and when, in the reader's zone.
 * A REST read, kept for this page's life (data/remote.ts); it needs the server to open.
 */
import type { MessageRevision, User } from '../../api/types';
import { RemoteNotice } from '../../components/RemoteNotice';
import { userName } from '../../data/names';
import { useRemote } from '../../data/remote';
import { t, useLang } from '../../i18n';
import { formatDateTime } from '../../i18n/format';
import { ep } from '../../runtime';

export function historyId(messageId: number): string {
  return `history-${messageId}`;
}

/** The "(edited)" mark as a button that opens the history below the message. */
export function EditedToggle(props: { messageId: number; open: boolean; offline: boolean; offlineHint?: string; onToggle: () => void }) {
  // An open history stays closable; a closed one says it needs the network instead of failing.
  const blocked = props.offline && !props.open;
  return (
    <button
      type="button"
      class="link muted small"
      aria-expanded={props.open}
      aria-controls={historyId(props.messageId)}
      disabled={blocked}
      aria-describedby={blocked ? props.offlineHint : undefined}
      onClick={props.onToggle}
      data-testid="message-edited"
    >
      ({t('thread.edited')})<span class="visually-hidden"> — {blocked ? t('thread.history.offline') : t('thread.history.show')}</span>
    </button>
  );
}

export function MessageHistory({ messageId, editedAt, tz, users }: { messageId: number; editedAt: string | null; tz: string; users: Map<number, User> }) {
  const lang = useLang();
  // Keyed by the last edit: a new edit while it is open reads the history again.
  const history = useRemote<MessageRevision[]>(`messages/${messageId}/history/${editedAt ?? ''}`, () => ep.messageHistory(messageId));
  const revisions = history.data ?? [];
  return (
    <section id={historyId(messageId)} class="history" aria-label={t('thread.history.title')} data-testid="message-history">
      <RemoteNotice state={history} />
      {history.data && revisions.length === 0 && <p class="muted small">{t('thread.history.empty')}</p>}
      {revisions.length > 0 && (
        <ol>
          {revisions.map((r) => (
            <li key={r.body_revision} data-testid="revision">
              <div class="message-head">
                <strong class="small">{t('thread.history.version', { n: r.body_revision })}</strong>
                <span class="muted small">{t('thread.history.replaced', { name: userName(users.get(r.edited_by), r.edited_by) })}</span>
                <time dateTime={r.replaced_at} class="muted small" data-testid="revision-time">
                  {formatDateTime(r.replaced_at, lang, tz)}
                </time>
              </div>
              {/* Plain text: the server renders no HTML for old bodies, and none is built here. */}
              <div class="message-body plain" lang={r.lang} data-testid="revision-body">
                {r.body}
              </div>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
