/**
 * Messages that @-mentioned the reader, newest first (GET /mentions), each with a link to its
 * thread. The first page is kept on this device for reading offline (data/remote.ts); showing
 * the list marks it as seen, which clears the navigation badge (data/mentions.ts).
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Lang, MentionChange, MentionRead } from '../api/types';
import { RemoteNotice } from '../components/RemoteNotice';
import { useQuery, useRuntime } from '../data/hooks';
import {
  EMPTY_FEED, excerptText, newestSeq, seenMentions, seenThrough, withFirstPage, withOlderPage,
  type MentionFeed, type MentionsAnswer,
} from '../data/mentions';
import { isUnreachable, useRemote } from '../data/remote';
import { t, useLang } from '../i18n';
import { browserTimeZone, formatDateTime } from '../i18n/format';
import { Link } from '../router';
import { ep } from '../runtime';
import { ENTITY } from '../sync/entities';
import type { SyncStore } from '../sync/store';

/** The newest mention the local store has heard of (pulled or live). */
const knownMentionSeq = async (store: SyncStore) => newestSeq(await store.list<MentionChange>(ENTITY.mention));

export function Mentions() {
  const lang = useLang();
  const rt = useRuntime();
  const tz = rt?.user.timezone || browserTimeZone();
  const knownSeq = useQuery(knownMentionSeq, [], 0);
  const state = useRemote<MentionsAnswer>(
    'mentions',
    async () => {
      // Read the store before asking (see MentionsAnswer.knownBefore).
      const knownBefore = rt ? await knownMentionSeq(rt.store) : 0;
      return { page: await ep.mentions(), knownBefore };
    },
    { persist: true },
  );
  const answer = state.data;

  // Every item answered during this visit, so that a refreshed first page never drops what
  // "Load more" had added below it.
  const [feed, setFeed] = useState<MentionFeed>(EMPTY_FEED);
  useEffect(() => {
    if (answer) setFeed((f) => withFirstPage(f, answer.page));
  }, [answer]);
  const view = answer ? withFirstPage(feed, answer.page) : feed;

  // Showing the list is seeing it.
  const userId = rt?.user.id;
  const seen = answer ? seenThrough(answer, view.items) : 0;
  useEffect(() => {
    if (userId !== undefined && seen > 0) seenMentions.markSeen(userId, seen);
  }, [userId, seen]);

  // A mention arriving while the screen is open: ask again, once per new seq, to list it.
  const askedFor = useRef(0);
  useEffect(() => {
    if (!answer || state.loading || knownSeq <= seen || knownSeq <= askedFor.current) return;
    askedFor.current = knownSeq;
    state.retry();
  }, [knownSeq, seen, state.loading]);

  const [more, setMore] = useState<{ busy: boolean; error: string | null }>({ busy: false, error: null });
  const loadMore = async () => {
    const cursor = view.nextCursor;
    if (!cursor) return;
    setMore({ busy: true, error: null });
    try {
      const page = await ep.mentions(cursor);
      setFeed((f) => withOlderPage(f, page));
      setMore({ busy: false, error: null });
    } catch (e) {
      const detail = e instanceof Error ? e.message : String(e);
      setMore({ busy: false, error: isUnreachable(e) ? t('error.offline') : t('error.generic', { detail }) });
    }
  };

  return (
    <section aria-labelledby="mentions-title">
      <h1 id="mentions-title">{t('mentions.title')}</h1>
      <RemoteNotice state={state} />
      {answer && view.items.length === 0 && (
        <p class="muted" data-testid="mentions-empty">
          {t('mentions.empty')}
        </p>
      )}
      {view.items.length > 0 && (
        <ul class="list" aria-labelledby="mentions-title" data-testid="mention-list">
          {view.items.map((m) => (
            <MentionItem key={m.seq} m={m} lang={lang} tz={tz} />
          ))}
        </ul>
      )}
      {view.nextCursor && (
        <button type="button" onClick={() => void loadMore()} disabled={more.busy} data-testid="mentions-more">
          {t('common.loadMore')}
        </button>
      )}
      {more.error && (
        <p class="error" role="alert">
          {more.error}
        </p>
      )}
    </section>
  );
}

function MentionItem({ m, lang, tz }: { m: MentionRead; lang: Lang; tz: string }) {
  return (
    <li class="list-item" data-testid="mention-item">
      <p class="row">
        <strong data-testid="mention-author">{m.author.display_name || m.author.username}</strong>
        {m.author.is_bot && <span class="tag">bot</span>}
        <time dateTime={m.created_at} class="muted small">
          {formatDateTime(m.created_at, lang, tz)}
        </time>
      </p>
      {/* Markdown source as text: Preact escapes it; never rendered as HTML. */}
      <p class="mention-excerpt" lang={m.lang} data-testid="mention-excerpt">
        {excerptText(m.excerpt)}
      </p>
      <p class="small">
        <Link href={`/threads/${m.thread_id}`} data-testid="mention-thread">
          {t('mentions.thread', { title: m.thread_title })}
        </Link>
      </p>
    </li>
  );
}
