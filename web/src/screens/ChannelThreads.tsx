import { useState } from 'preact/hooks';
import { ApiError, NetworkError } from '../api/client';
import type { Channel, Thread } from '../api/types';
import { RefreshNotice } from '../components/Notice';
import { useQuery, useRefresh, useRuntime } from '../data/hooks';
import { refreshThreads } from '../data/loaders';
import { t, useLang } from '../i18n';
import { browserTimeZone, formatDateTime } from '../i18n/format';
import { Link, navigate } from '../router';
import { ep } from '../runtime';
import { ENTITY, type Row } from '../sync/entities';

export function ChannelThreads({ channelId }: { channelId: number }) {
  const lang = useLang();
  const rt = useRuntime();
  const tz = rt?.user.timezone || browserTimeZone();
  const state = useRefresh((r) => refreshThreads(r, channelId), [channelId]);
  const channel = useQuery((s) => s.get<Channel>(ENTITY.channel, channelId), [channelId], undefined);
  const threads = useQuery((s) => s.children<Thread>(ENTITY.thread, `channel:${channelId}`), [channelId], [] as Thread[]);
  const sorted = [...threads].sort((a, b) => (b.last_message_at || b.created_at).localeCompare(a.last_message_at || a.created_at));
  const [title, setTitle] = useState('');
  const [query, setQuery] = useState('');
  const [error, setError] = useState<string | null>(null);

  const create = async (e: Event) => {
    e.preventDefault();
    if (!title.trim() || !rt) return;
    setError(null);
    try {
      const th = await ep.createThread(channelId, title.trim());
      await rt.store.put(ENTITY.thread, th as unknown as Row);
      setTitle('');
      navigate(`/threads/${th.id}`);
    } catch (err) {
      setError(err instanceof NetworkError ? t('error.offline') : t('error.generic', { detail: err instanceof ApiError ? err.detail : String(err) }));
    }
  };

  return (
    <section aria-labelledby="threads-title">
      <p>
        <Link href="/">← {t('nav.channels')}</Link>
      </p>
      <h1 id="threads-title"># {channel?.name ?? channelId}</h1>
      {channel?.description && <p class="muted">{channel.description}</p>}
      <RefreshNotice state={state} />
      <form
        role="search"
        class="search-form"
        onSubmit={(e) => {
          e.preventDefault();
          if (query.trim()) navigate(`/search?q=${encodeURIComponent(query.trim())}&kind=messages&channel=${channelId}`);
        }}
      >
        <div class="field">
          <label for="channel-search">{t('threads.search')}</label>
          <input id="channel-search" type="search" value={query} onInput={(e) => setQuery((e.currentTarget as HTMLInputElement).value)} data-testid="channel-search" />
        </div>
        <button type="submit">{t('search.submit')}</button>
      </form>
      <h2>{t('threads.title')}</h2>
      {!state.loading && sorted.length === 0 && <p class="muted">{t('threads.empty')}</p>}
      <ul class="list" data-testid="thread-list">
        {sorted.map((th) => (
          <li key={th.id} class="list-item" data-testid="thread-item">
            <Link href={`/threads/${th.id}`} class="list-link">
              <span class="title">{th.title}</span>
              {th.unread_count > 0 && <span class="badge">{t('channels.unread', { n: th.unread_count })}</span>}
            </Link>
            <p class="muted small">
              {t('threads.messages', { n: th.message_count })} · {t('threads.lastActivity', { time: formatDateTime(th.last_message_at || th.created_at, lang, tz) })}
            </p>
          </li>
        ))}
      </ul>
      <form class="inline-form" onSubmit={create} data-testid="new-thread-form">
        <h2>{t('threads.new')}</h2>
        <div class="field">
          <label for="new-thread-title">{t('threads.newTitle')}</label>
          <input id="new-thread-title" value={title} required onInput={(e) => setTitle((e.currentTarget as HTMLInputElement).value)} />
        </div>
        <button type="submit">{t('threads.create')}</button>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
      </form>
    </section>
  );
}
