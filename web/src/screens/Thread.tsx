import { useEffect, useRef, useState } from 'preact/hooks';
import type { Lang, Message, Thread as ThreadT } from '../api/types';
import { DownloadLink } from '../components/Download';
import { RefreshNotice } from '../components/Notice';
import { useQuery, useRefresh, useRuntime } from '../data/hooks';
import { refreshMessages, refreshThread, refreshUsers } from '../data/loaders';
import { overlayMessages, type ViewMessage } from '../data/overlay';
import { LANGS, t, useLang } from '../i18n';
import { browserTimeZone, formatBytes, formatDateTime } from '../i18n/format';
import { useObservable } from '../lib/observable';
import { Link } from '../router';
import { ep, online, outboxEntries, presence, typing } from '../runtime';
import { ENTITY } from '../sync/entities';
import { userName, useUsers } from '../data/names';

const QUICK_REACTIONS = ['👍', '🙏', '✅', '👀'];

export function Thread({ threadId }: { threadId: number }) {
  const lang = useLang();
  const rt = useRuntime();
  const me = rt?.user ?? null;
  const tz = me?.timezone || browserTimeZone();
  const isOnline = useObservable(online);
  const [older, setOlder] = useState<string | null>(null);
  const state = useRefresh(
    async (r) => {
      const [, next] = await Promise.all([refreshThread(r, threadId), refreshMessages(r, threadId), refreshUsers(r)]);
      setOlder(next);
    },
    [threadId],
  );
  const thread = useQuery((s) => s.get<ThreadT>(ENTITY.thread, threadId), [threadId], undefined);
  const cached = useQuery((s) => s.children<Message>(ENTITY.message, `thread:${threadId}`), [threadId], [] as Message[]);
  const pending = useObservable(outboxEntries);
  const messages = overlayMessages(cached, pending, threadId, me);
  const typists = (useObservable(typing)[threadId] ?? []).map((x) => x.name);
  const channelId = thread?.channel_id ?? cached[0]?.channel_id;
  const users = useUsers();
  const onlineNames = (useObservable(presence)[`channel:${channelId}`] ?? [])
    .filter((id) => id !== me?.id)
    .map((id) => userName(users.get(id), id));

  // Mark as read up to the newest message we show.
  const lastId = cached.reduce((m, x) => (x.thread_id === threadId && x.id > m ? x.id : m), 0);
  const marked = useRef(0);
  useEffect(() => {
    if (!lastId || !isOnline || lastId <= marked.current) return;
    marked.current = lastId;
    ep.markRead(threadId, lastId).catch(() => {
      marked.current = 0;
    });
  }, [lastId, isOnline, threadId]);

  // Keep the newest message in view when messages arrive.
  const listRef = useRef<HTMLOListElement>(null);
  const count = messages.length;
  useEffect(() => {
    const el = listRef.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [count]);

  const loadOlder = async () => {
    if (!rt || !older) return;
    try {
      setOlder(await refreshMessages(rt, threadId, older));
    } catch {
      /* offline: keep the button */
    }
  };

  return (
    <section class="thread" aria-labelledby="thread-title">
      <p>{channelId ? <Link href={`/channels/${channelId}`}>← {t('threads.title')}</Link> : <Link href="/">← {t('nav.channels')}</Link>}</p>
      <h1 id="thread-title">{thread?.title ?? `#${threadId}`}</h1>
      <RefreshNotice state={state} />
      {onlineNames.length > 0 && (
        <p class="muted small" data-testid="presence">
          <span class="dot" aria-hidden="true" /> {t('thread.online', { names: onlineNames.join(', ') })}
        </p>
      )}
      {older && (
        <button type="button" class="link" onClick={loadOlder}>
          {t('thread.older')}
        </button>
      )}
      <ol class="messages" ref={listRef} aria-label={t('thread.messages')} data-testid="message-list" tabIndex={0}>
        {messages.length === 0 && !state.loading && <li class="muted">{t('thread.empty')}</li>}
        {messages.map((m) => (
          <MessageItem key={m.key} m={m} mine={!!me && m.author.id === me.id} lang={lang} tz={tz} />
        ))}
      </ol>
      <p class="typing" aria-live="polite" data-testid="typing-indicator">
        {typists.length > 0 ? t('thread.typing', { names: typists.join(', ') }) : '\u00a0'}
      </p>
      {channelId !== undefined && <Composer threadId={threadId} channelId={channelId} />}
    </section>
  );
}

function MessageItem({ m, mine, lang, tz }: { m: ViewMessage; mine: boolean; lang: Lang; tz: string }) {
  const rt = useRuntime();
  const [showTr, setShowTr] = useState(false);
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(m.body);
  const canAct = m.id > 0 && !m.deleted && rt;
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
        {m.edited_at && <span class="muted small">({t('thread.edited')})</span>}
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
        <div class="message-body" lang={m.lang} dangerouslySetInnerHTML={{ __html: m.html }} />
      )}

      {m.attachments.length > 0 && (
        <div class="attachments">
          <span class="small muted">{t('thread.attachments')}:</span>
          <ul>
            {m.attachments.map((a) => (
              <li key={a.id}>
                <DownloadLink href={a.url} filename={a.filename}>
                  📎 {a.filename}
                </DownloadLink>{' '}
                <span class="muted small">({formatBytes(a.size)})</span>
              </li>
            ))}
          </ul>
        </div>
      )}

      {!m.deleted && m.translations.length > 0 && (
        <div class="translations">
          <button type="button" class="link" aria-expanded={showTr} onClick={() => setShowTr(!showTr)} data-testid="translations-toggle">
            {showTr ? t('thread.hideTranslations') : t('thread.showTranslations', { n: m.translations.length })}
          </button>
          {showTr && (
            <ul data-testid="translations">
              {m.translations.map((tr) => (
                <li key={tr.lang} class="translation">
                  <span class="tag" lang={tr.lang}>
                    {t(`lang.${tr.lang}`)}
                  </span>{' '}
                  <span class="muted small">{t(`thread.kind.${tr.kind}`)}</span>
                  {tr.stale && <span class="tag tag-warn">{t('thread.stale')}</span>}
                  <div class="message-body" lang={tr.lang} dangerouslySetInnerHTML={{ __html: tr.html }} />
                </li>
              ))}
            </ul>
          )}
        </div>
      )}

      {canAct && (
        <div class="message-actions">
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

function Composer({ threadId, channelId }: { threadId: number; channelId: number }) {
  const uiLang = useLang();
  const rt = useRuntime();
  const [body, setBody] = useState('');
  const [msgLang, setMsgLang] = useState<Lang>(uiLang);
  useEffect(() => setMsgLang(uiLang), [uiLang]);

  const send = async (e?: Event) => {
    e?.preventDefault();
    if (!rt || !body.trim()) return;
    await rt.outbox.enqueue('message.create', { thread_id: threadId, body, lang: msgLang });
    setBody('');
  };

  return (
    <form class="composer" onSubmit={send} data-testid="composer">
      <label for="composer-body">{t('thread.composer')}</label>
      <textarea
        id="composer-body"
        rows={3}
        value={body}
        aria-describedby="composer-hint"
        data-testid="composer-input"
        onInput={(e) => {
          setBody((e.currentTarget as HTMLTextAreaElement).value);
          rt?.live.sendTyping(`channel:${channelId}`, threadId);
        }}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) void send(e);
        }}
      />
      <div class="composer-row">
        <span id="composer-hint" class="muted small">
          {t('thread.composerHint')}
        </span>
        <label for="composer-lang" class="small">
          {t('thread.lang')}
        </label>
        <select id="composer-lang" value={msgLang} onChange={(e) => setMsgLang((e.currentTarget as HTMLSelectElement).value as Lang)} data-testid="composer-lang">
          {LANGS.map((l) => (
            <option key={l} value={l}>
              {t(`lang.${l}`)}
            </option>
          ))}
        </select>
        <button type="submit" class="primary" data-testid="send-button">
          {t('thread.send')}
        </button>
      </div>
    </form>
  );
}
