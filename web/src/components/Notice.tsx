import type { RefreshState } from '../data/hooks';
import { t } from '../i18n';

/** Loading / showing-cached-data / error line under a screen title. */
export function RefreshNotice({ state }: { state: RefreshState }) {
  if (state.loading)
    return (
      <p class="muted" role="status" data-testid="loading">
        {t('common.loading')}
      </p>
    );
  if (state.offline)
    return (
      <p class="notice" role="status">
        {t('common.cached')}{' '}
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

export function ErrorText({ error }: { error: string | null }) {
  return error ? (
    <p class="error" role="alert">
      {error}
    </p>
  ) : null;
}
