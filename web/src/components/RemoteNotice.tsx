/** Loading / offline / error line for screens that read straight from REST (data/remote.ts). */
import type { RemoteState } from '../data/remote';
import { t } from '../i18n';

export function RemoteNotice({ state }: { state: RemoteState<unknown> }) {
  if (state.loading && state.data === undefined) return <p class="muted" role="status">{t('common.loading')}</p>;
  if (state.offline)
    return (
      <p class="notice" role="status">
        {state.data === undefined ? t('error.offline') : t('common.cached')}{' '}
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
