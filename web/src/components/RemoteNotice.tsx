/** Loading / offline / error line for screens that read straight from REST (data/remote.ts). */
import type { RemoteState } from '../data/remote';
import { useRuntime } from '../data/hooks';
import { t, useLang } from '../i18n';
import { browserTimeZone, formatDateTime } from '../i18n/format';

export function RemoteNotice({ state }: { state: RemoteState<unknown> }) {
  if (state.loading && state.data === undefined) return <p class="muted" role="status">{t('common.loading')}</p>;
  if (state.offline)
    return (
      <p class="notice" role="status" data-testid={state.data === undefined ? 'remote-offline' : 'saved-copy-notice'}>
        {state.data === undefined ? t('error.offline') : state.savedAt ? <SavedCopyNote savedAt={state.savedAt} /> : t('common.cached')}{' '}
        <button type="button" class="link" onClick={state.retry}>
          {t('common.retry')}
        </button>
      </p>
    );
  if (state.error)
    return (
      <p class="error" role="alert">
        {t('error.generic', { detail: state.error })}{' '}
        <button type="button" class="link" onClick={state.retry}>
          {t('common.retry')}
        </button>
      </p>
    );
  return null;
}

/** "Saved copy from <time> — you are offline", the time in the user's zone as a <time>. */
function SavedCopyNote({ savedAt }: { savedAt: string }) {
  const lang = useLang();
  const rt = useRuntime();
  const tz = rt?.user.timezone || browserTimeZone();
  // Without params t() leaves "{time}" in place: split there to put the element in.
  const [before, after = ''] = t('common.savedCopy').split('{time}');
  return (
    <>
      {before}
      <time dateTime={savedAt}>{formatDateTime(savedAt, lang, tz)}</time>
      {after}
    </>
  );
}
