/** Loads the dashboard (and its chart library) only when it is opened, keeping the first screen small. */
import type { ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { t } from '../i18n';

let loaded: ComponentType | null = null;

export function LazyDashboard() {
  const [Screen, setScreen] = useState<ComponentType | null>(() => loaded);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (Screen) return;
    let alive = true;
    import('./Dashboard').then(
      (m) => {
        loaded = m.Dashboard;
        if (alive) setScreen(() => m.Dashboard);
      },
      (e: unknown) => alive && setError(e instanceof Error ? e.message : String(e)),
    );
    return () => {
      alive = false;
    };
  }, []);
  if (Screen) return <Screen />;
  if (error)
    return (
      <p class="error" role="alert">
        {t('error.generic', { detail: error })}
      </p>
    );
  return <p role="status">{t('common.loading')}</p>;
}
