import { useEffect, useRef, useState } from 'preact/hooks';
import type { Message, Thread as ThreadT } from '../api/types';
import { RefreshNotice } from '../components/Notice';
import { knownAttachment } from '../data/attachments';
import { useQuery, useRefresh, useRuntime } from '../data/hooks';
import { refreshMessages, refreshThread, refreshUsers } from '../data/loaders';
import { overlayMessages } from '../data/overlay';
import { t, useLang } from '../i18n';
import { browserTimeZone } from '../i18n/format';
import { useObservable } from '../lib/observable';
import { Link } from '../router';
import { ep, online, outboxEntries, presence, typing } from '../runtime';
import { ENTITY } from '../sync/entities';
import { userName, useUsers } from '../data/names';
import { Composer } from './thread/Composer';
import { MessageItem } from './thread/MessageItem';

/** The line the online-only controls (translations, edit history) point to while offline. */
const OFFLINE_HINT = 'thread-offline-hint';

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
  const messages = overlayMessages(cached, pending, threadId, me, knownAttachment);
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
      {!isOnline && (
        <p id={OFFLINE_HINT} class="muted small" data-testid="thread-offline-hint">
          {t('thread.onlineOnly')}
        </p>
      )}
      <ol class="messages" ref={listRef} aria-label={t('thread.messages')} data-testid="message-list" tabIndex={0}>
        {messages.length === 0 && !state.loading && <li class="muted">{t('thread.empty')}</li>}
        {messages.map((m) => (
          <MessageItem key={m.key} m={m} mine={!!me && m.author.id === me.id} lang={lang} tz={tz} users={users} online={isOnline} offlineHint={isOnline ? undefined : OFFLINE_HINT} />
        ))}
      </ol>
      <p class="typing" aria-live="polite" data-testid="typing-indicator">
        {typists.length > 0 ? t('thread.typing', { names: typists.join(', ') }) : '\u00a0'}
      </p>
      {channelId !== undefined && <Composer key={threadId} threadId={threadId} channelId={channelId} />}
    </section>
  );
}
