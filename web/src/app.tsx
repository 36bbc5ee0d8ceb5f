/** The app shell: session gate, header with navigation and language switch, banners, router. */
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ConflictDialog } from './components/ConflictDialog';
import { LangSwitch } from './components/LangSwitch';
import { MentionsAnnouncer, MentionsBadge } from './components/MentionsBadge';
import { OfflineBanner } from './components/OfflineBanner';
import { RejectedList } from './components/RejectedList';
import { applyProfileLocale, t, useLang } from './i18n';
import { useObservable } from './lib/observable';
import { Link, match, usePath } from './router';
import { authExpired, conflicts, ep, online, outboxEntries, runtime, startRuntime, stopRuntime, dbName } from './runtime';
import { session, setSession } from './session';
import { SyncStore } from './sync/store';
import { forgetRemote } from './data/remote';
import { ActionItems } from './screens/ActionItems';
import { ChannelThreads } from './screens/ChannelThreads';
import { Channels } from './screens/Channels';
import { Login } from './screens/Login';
import { Meeting } from './screens/Meeting';
import { Meetings } from './screens/Meetings';
import { Mentions } from './screens/Mentions';
import { Search } from './screens/Search';
import { Thread } from './screens/Thread';
import { Directory } from './screens/Directory';
import { LazyDashboard } from './screens/LazyDashboard';
import { SeriesList, SeriesPage } from './screens/Series';

export function App() {
  useLang();
  const s = useObservable(session);
  const expired = useObservable(authExpired);
  if (!s || expired) return <Login />;
  return <SignedIn />;
}

function SignedIn() {
  const s = useObservable(session)!;
  const rt = useObservable(runtime);
  const isOnline = useObservable(online);
  const conflictList = useObservable(conflicts);
  const [error, setError] = useState<string | null>(null);
  const [dialogOpen, setDialogOpen] = useState(false);
  const [seenConflicts, setSeenConflicts] = useState(0);

  useEffect(() => {
    applyProfileLocale(s.user.locale);
    startRuntime(s.user).catch((e) => setError(String(e)));
  }, [s.user.id]);

  // Refresh the profile (locale, time zone) when the server is reachable.
  useEffect(() => {
    if (!isOnline) return;
    ep.me()
      .then((user) => {
        const cur = session.get();
        if (cur && cur.user.id === user.id) setSession({ ...cur, user });
      })
      .catch(() => undefined);
  }, [isOnline]);

  // Open the conflict dialog when a new conflict arrives.
  useEffect(() => {
    if (conflictList.length > seenConflicts) setDialogOpen(true);
    setSeenConflicts(conflictList.length);
  }, [conflictList.length]);

  const logout = async () => {
    const pending = outboxEntries.get().length;
    if (pending > 0 && !confirm(t('logout.pending', { n: pending }))) return;
    ep.logout().catch(() => undefined);
    // Saved REST copies go even when unsent changes keep the rest of the store.
    await forgetRemote(s.user.id, runtime.get()?.store ?? null).catch(() => undefined);
    await stopRuntime();
    if (pending === 0) await SyncStore.destroy(dbName(s.user.id)).catch(() => undefined);
    authExpired.set(false);
    setSession(null);
  };

  return (
    <>
      <a href="#main" class="skip-link">
        {t('app.skip')}
      </a>
      <header class="app-header">
        <Link href="/" class="brand">
          <span lang="zh-Hans">交流</span> <span lang="ko">교류</span> <span class="brand-en">Gyoryu</span>
        </Link>
        <MentionsAnnouncer userId={s.user.id} />
        <nav aria-label={t('nav.main')}>
          <ul>
            <li>
              <NavLink href="/">{t('nav.channels')}</NavLink>
            </li>
            <li>
              <NavLink href="/mentions">
                {t('nav.mentions')} <MentionsBadge userId={s.user.id} />
              </NavLink>
            </li>
            <li>
              <NavLink href="/meetings">{t('nav.meetings')}</NavLink>
            </li>
            <li>
              <NavLink href="/action-items">{t('nav.actionItems')}</NavLink>
            </li>
            <li>
              <NavLink href="/search">{t('nav.search')}</NavLink>
            </li>
            <li>
              <NavLink href="/directory">{t('nav.directory')}</NavLink>
            </li>
            <li>
              <NavLink href="/series">{t('nav.series')}</NavLink>
            </li>
            <li>
              <NavLink href="/dashboard">{t('nav.dashboard')}</NavLink>
            </li>
          </ul>
        </nav>
        <div class="header-tools">
          <span class="small muted" title={t('nav.signedInAs', { name: s.user.display_name })}>
            {s.user.display_name}
          </span>
          <LangSwitch />
          <button type="button" onClick={() => void logout()} data-testid="logout">
            {t('nav.logout')}
          </button>
        </div>
      </header>
      <OfflineBanner onResolve={() => setDialogOpen(true)} />
      <main id="main" tabIndex={-1}>
        {error && (
          <p class="error" role="alert">
            {t('error.generic', { detail: error })}
          </p>
        )}
        <RejectedList />
        {rt ? <Routes /> : <p role="status">{t('common.loading')}</p>}
      </main>
      {dialogOpen && conflictList.length > 0 && <ConflictDialog onClose={() => setDialogOpen(false)} />}
    </>
  );
}

function NavLink({ href, children }: { href: string; children: ComponentChildren }) {
  const path = usePath().split('?')[0];
  const active = href === '/' ? path === '/' || path.startsWith('/channels') || path.startsWith('/threads') : path.startsWith(href);
  return (
    <Link href={href} aria-current={active ? 'page' : undefined}>
      {children}
    </Link>
  );
}

function Routes() {
  const path = usePath();
  let m: Record<string, string> | null;
  if ((m = match('/channels/:id', path))) return <ChannelThreads key={m.id} channelId={Number(m.id)} />;
  if ((m = match('/threads/:id', path))) return <Thread key={m.id} threadId={Number(m.id)} />;
  if ((m = match('/meetings/:id', path))) return <Meeting key={m.id} meetingId={Number(m.id)} />;
  if (match('/meetings', path)) return <Meetings />;
  if (match('/action-items', path)) return <ActionItems />;
  if (match('/search', path)) return <Search />;
  if (match('/mentions', path)) return <Mentions />;
  if (match('/directory', path)) return <Directory />;
  if ((m = match('/series/:id', path))) return <SeriesPage key={m.id} seriesId={Number(m.id)} />;
  if (match('/series', path)) return <SeriesList />;
  if (match('/dashboard', path)) return <LazyDashboard />;
  if (match('/', path) || match('/channels', path)) return <Channels />;
  return <p>{t('common.notFound')}</p>;
}
