/**
 * One message of a thread: author, time, original language, body, attachments, the edit
 * history behind "(edited)", translations, reactions, and the author's edit and delete.
 */
import { useState } from 'preact/hooks';
import type { Lang, Message, User } from '../../api/types';
import { DownloadLink } from '../../components/Download';
import { useRuntime } from '../../data/hooks';
import type { ViewMessage } from '../../data/overlay';
import { withAnswer } from '../../data/translations';
import { t } from '../../i18n';
import { formatBytes, formatDateTime } from '../../i18n/format';
import { EditedToggle, MessageHistory } from './History';
import { Translations } from './Translations';
import { serverHtml } from '../../lib/serverHtml';

const QUICK_REACTIONS = ['👍', '🙏', '✅', '👀'];

interface Props {
  m: ViewMessage;
  mine: boolean;
  lang: Lang;
  tz: string;
  users: Map<number, User>;
  online: boolean;
  /** Id of the thread's "you are offline" line, for the online-only controls. */
  offlineHint?: string;
}

export function MessageItem({ m: cached, mine, lang, tz, users, online, offlineHint }: Props) {
  const rt = useRuntime();
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(cached.body);
  const [historyOpen, setHistoryOpen] = useState(false);
  // The answer of a translation write, shown until the store holds that version (or newer).
  const [answer, setAnswer] = useState<Message | null>(null);
  const m = withAnswer(cached, answer);
  const canAct = m.id > 0 && !m.deleted && !!rt;
  const myId = rt?.user.id ?? -1;
  const reactions = m.reactions.map((r) => ({ ...r, me: (r.user_ids ?? []).includes(myId) }));

  const react = (emoji: string, on: boolean) => rt?.outbox.enqueue('reaction.set', { message_id: m.id, emoji, on });
  const saveEdit = async (e: Event) => {
    e.preventDefault();
    if (!rt || !draft.trim()) return;
    await rt.outbox.enqueue('message.edit', { message_id: m.id, body: draft }, m.version);
    setEditing(false);
  };
  const del = () => {
    if (rt && confirm(t('thread.confirmDelete'))) void rt.outbox.enqueue('message.delete', { message_id: m.id }, m.version);
  };

  return (
    <li class={`message${m.pending ? ' is-pending' : ''}`} data-testid="message-item" data-message-id={m.id > 0 ? m.id : undefined}>
      <div class="message-head">
        <strong>{m.author.display_name || m.author.username}</strong>
        {m.author.is_bot && <span class="tag">bot</span>}
        <time dateTime={m.created_at} class="muted small">
          {formatDateTime(m.created_at, lang, tz)}
        </time>
        <span class="tag" lang={m.lang} title={t('thread.original', { lang: t(`lang.${m.lang}`) })}>
          {m.lang}
        </span>
        {m.edited_at &&
          (canAct ? (
            <EditedToggle messageId={m.id} open={historyOpen} offline={!online} offlineHint={offlineHint} onToggle={() => setHistoryOpen(!historyOpen)} />
          ) : (
            <span class="muted small">({t('thread.edited')})</span>
          ))}
        {m.pending && (
          <span class="tag tag-pending" data-testid="message-pending">
            {t('common.pending')}
          </span>
        )}
      </div>
      {m.deleted ? (
        <p class="muted">{t('thread.deleted')}</p>
      ) : editing ? (
        <form onSubmit={saveEdit} class="edit-form">
          <label for={`edit-${m.id}`} class="visually-hidden">
            {t('thread.editMessage')}
          </label>
          <textarea id={`edit-${m.id}`} rows={3} value={draft} onInput={(e) => setDraft((e.currentTarget as HTMLTextAreaElement).value)} data-testid="message-edit-input" />
          <button type="submit" class="primary" data-testid="message-edit-save">
            {t('thread.saveEdit')}
          </button>
          <button type="button" onClick={() => setEditing(false)}>
            {t('common.cancel')}
          </button>
        </form>
      ) : m.localBody ? (
        <div class="message-body plain" lang={m.lang}>
          {m.body}
        </div>
      ) : (
        // html is rendered and sanitized by the server; never build HTML on the client.
        <div class="message-body" lang={m.lang} dangerouslySetInnerHTML={serverHtml(m.html)} />
      )}

      {historyOpen && canAct && m.edited_at && <MessageHistory key="history" messageId={m.id} editedAt={m.edited_at} tz={tz} users={users} />}

      {m.attachments.length > 0 && (
        <div key="attachments" class="attachments">
          <span class="small muted">{t('thread.attachments')}:</span>
          <ul>
            {m.attachments.map((a) => (
              <li key={a.id} data-testid="attachment">
                <DownloadLink href={a.url} filename={a.filename} testid="attachment-link">
                  📎 {a.filename}
                </DownloadLink>{' '}
                {a.size > 0 && <span class="muted small">({formatBytes(a.size)})</span>}
              </li>
            ))}
          </ul>
        </div>
      )}

      {/* Keyed: the slots above change shape (an edit goes from "not sent yet" to applied), and
          an unkeyed panel could be mounted afresh then, closing what the reader opened. */}
      {!m.deleted && <Translations key="translations" m={m} tz={tz} users={users} canWrite={canAct} offlineHint={offlineHint} onSaved={setAnswer} />}

      {canAct && (
        <div key="actions" class="message-actions">
          <span role="group" aria-label={t('thread.reactions')} class="reactions">
            {reactions.map((r) => (
              <button type="button" key={r.emoji} aria-pressed={r.me} class={r.me ? 'reaction mine' : 'reaction'} onClick={() => react(r.emoji, !r.me)} aria-label={t('thread.react', { emoji: r.emoji })} data-testid="reaction">
                {r.emoji} {r.count}
              </button>
            ))}
            {QUICK_REACTIONS.filter((e) => !m.reactions.some((r) => r.emoji === e)).map((e) => (
              <button type="button" key={e} class="reaction add" onClick={() => react(e, true)} aria-label={t('thread.react', { emoji: e })}>
                {e}
              </button>
            ))}
          </span>
          {mine && !editing && (
            <>
              <button
                type="button"
                class="link"
                onClick={() => {
                  setDraft(m.body);
                  setEditing(true);
                }}
                data-testid="message-edit"
              >
                {t('common.edit')}
              </button>
              <button type="button" class="link" onClick={del} data-testid="message-delete">
                {t('common.delete')}
              </button>
            </>
          )}
        </div>
      )}
    </li>
  );
}
