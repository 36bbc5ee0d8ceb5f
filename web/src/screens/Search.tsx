import { useState } from 'preact/hooks';
import { ApiError, NetworkError } from '../api/client';
import type { Channel, SearchHit } from '../api/types';
import { useQuery } from '../data/hooks';
import { t, useLang } from '../i18n';
import { Link, navigate, queryParam, usePath } from '../router';
import { ep } from '../runtime';
import { useEffect } from 'preact/hooks';
import { ENTITY } from '../sync/entities';

type Kind = 'all' | 'messages' | 'meetings';

export function Search() {
  useLang();
  const path = usePath();
  const q0 = queryParam(path, 'q') ?? '';
  const k0 = (queryParam(path, 'kind') as Kind) || 'all';
  // Narrowed to one channel (from its thread list): its messages and threads only.
  const channelId = Number(queryParam(path, 'channel')) || null;
  const channel = useQuery((s) => (channelId ? s.get<Channel>(ENTITY.channel, channelId) : Promise.resolve(undefined)), [channelId], undefined);
  const [q, setQ] = useState(q0);
  const [kind, setKind] = useState<Kind>(k0);
  const [hits, setHits] = useState<SearchHit[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [moreBusy, setMoreBusy] = useState(false);

  useEffect(() => {
    if (!q0.trim()) return;
    let alive = true;
    setBusy(true);
    setError(null);
    setNext(null);
    ep.search(q0, k0, null, channelId)
      .then((r) => {
        if (!alive) return;
        setHits(r.items ?? []);
        setNext(r.next_cursor ?? null);
      })
      .catch((e) => alive && setError(describe(e)))
      .finally(() => alive && setBusy(false));
    return () => {
      alive = false;
    };
  }, [q0, k0, channelId]);

  const loadMore = async () => {
    if (!next) return;
    setMoreBusy(true);
    setError(null);
    try {
      const page = await ep.search(q0, k0, next, channelId);
      // A hit already shown (the ranking moved while reading) is not shown twice.
      setHits((shown) => {
        const keys = new Set((shown ?? []).map((h) => `${h.kind}${h.id}`));
        return [...(shown ?? []), ...(page.items ?? []).filter((h) => !keys.has(`${h.kind}${h.id}`))];
      });
      setNext(page.next_cursor ?? null);
    } catch (e) {
      setError(describe(e));
    } finally {
      setMoreBusy(false);
    }
  };

  const submit = (e: Event) => {
    e.preventDefault();
    navigate(`/search?q=${encodeURIComponent(q)}&kind=${kind}${channelId ? `&channel=${channelId}` : ''}`);
  };

  return (
    <section aria-labelledby="search-title">
      <h1 id="search-title">{t('search.title')}</h1>
      {channelId && (
        <p data-testid="search-scope">
          {t('search.inChannel', { name: channel?.name ?? String(channelId) })} · <Link href={`/search?q=${encodeURIComponent(q0)}&kind=all`}>{t('search.everywhere')}</Link>
        </p>
      )}
      <form role="search" class="search-form" onSubmit={submit}>
        <div class="field">
          <label for="search-q">{t('search.query')}</label>
          <input id="search-q" type="search" value={q} required onInput={(e) => setQ((e.currentTarget as HTMLInputElement).value)} data-testid="search-input" />
        </div>
        <div class="field" hidden={channelId !== null}>
          <label for="search-kind">{t('search.kind')}</label>
          <select id="search-kind" value={kind} onChange={(e) => setKind((e.currentTarget as HTMLSelectElement).value as Kind)}>
            <option value="all">{t('search.kind.all')}</option>
            <option value="messages">{t('search.kind.messages')}</option>
            <option value="meetings">{t('search.kind.meetings')}</option>
          </select>
        </div>
        <button type="submit" class="primary">
          {t('search.submit')}
        </button>
      </form>
      {busy && <p role="status">{t('common.loading')}</p>}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {hits && hits.length === 0 && !busy && <p class="muted">{t('search.empty')}</p>}
      {hits && hits.length > 0 && (
        <ul class="list" data-testid="search-results">
          {hits.map((h) => {
            const isMeeting = h.kind.startsWith('meeting');
            const threadId = h.thread_id ?? (h.kind === 'thread' ? h.id : null);
            const href = isMeeting ? `/meetings/${h.meeting_id ?? h.id}` : threadId ? `/threads/${threadId}` : h.channel_id ? `/channels/${h.channel_id}` : '#';
            return (
              <li key={`${h.kind}${h.id}`} class="list-item" data-testid="search-result">
                <span class="tag">{isMeeting ? t('search.result.meeting') : t('search.result.message')}</span> <Link href={href}>{h.title || `#${h.id}`}</Link>
                {/* snippet_html is sanitized by the server */}
                <p class="snippet" dangerouslySetInnerHTML={{ __html: h.snippet_html }} />
              </li>
            );
          })}
        </ul>
      )}
      {hits && next && !busy && (
        <button type="button" onClick={() => void loadMore()} disabled={moreBusy} data-testid="search-more">
          {t('common.loadMore')}
        </button>
      )}
    </section>
  );
}

function describe(e: unknown): string {
  return e instanceof NetworkError ? t('error.offline') : t('error.generic', { detail: e instanceof ApiError ? e.detail : String(e) });
}
