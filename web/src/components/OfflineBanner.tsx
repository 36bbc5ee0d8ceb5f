import { t, useLang } from '../i18n';
import { formatTime, browserTimeZone } from '../i18n/format';
import { useObservable } from '../lib/observable';
import { conflicts, engineStatus, online, outboxEntries, runtime } from '../runtime';

/** Offline / retrying / pending-changes bar at the top of every screen. */
export function OfflineBanner({ onResolve }: { onResolve: () => void }) {
  const lang = useLang();
  const isOnline = useObservable(online);
  const pending = useObservable(outboxEntries).length;
  const status = useObservable(engineStatus);
  const conflictCount = useObservable(conflicts).length;
  const rt = useObservable(runtime);
  const retrying = status?.phase === 'retrying';
  const unauthorized = status?.phase === 'unauthorized';
  if (isOnline && pending === 0 && conflictCount === 0 && !retrying && !unauthorized) return null;
  const tz = rt?.user.timezone || browserTimeZone();
  return (
    <div class={`banner ${isOnline ? 'banner-sync' : 'banner-offline'}`} role="status" aria-live="polite" data-testid="offline-banner">
      {!isOnline && <span>{t('sync.offline')}</span>}
      {isOnline && retrying && status?.nextRetryAt && <span>{t('sync.retrying', { time: formatTime(status.nextRetryAt, lang, tz) })}</span>}
      {isOnline && status?.phase === 'syncing' && pending > 0 && <span>{t('sync.syncing')}</span>}
      {unauthorized && <span>{t('sync.unauthorized')}</span>}
      <span class="pending">
        {t('sync.pending')} <strong data-testid="pending-count">{pending}</strong>
      </span>
      {(retrying || !isOnline) && rt && (
        <button type="button" onClick={() => void rt.engine.syncNow()}>
          {t('sync.retryNow')}
        </button>
      )}
      {conflictCount > 0 && (
        <button type="button" onClick={onResolve} data-testid="conflict-open">
          {t('sync.conflicts', { n: conflictCount })} — {t('sync.resolve')}
        </button>
      )}
    </div>
  );
}
