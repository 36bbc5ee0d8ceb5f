import type { MessageKey } from '../i18n';
import { t } from '../i18n';
import { useObservable } from '../lib/observable';
import { rejected, runtime } from '../runtime';

/** Mutations the server refused, with its reason; the user dismisses them once read. */
export function RejectedList() {
  const list = useObservable(rejected);
  const rt = useObservable(runtime);
  if (!list.length || !rt) return null;
  return (
    <section class="rejected" aria-labelledby="rejected-title" data-testid="rejected-list">
      <h2 id="rejected-title">{t('rejected.title')}</h2>
      <ul>
        {list.map((r) => {
          const args = r.mutation.args as Record<string, unknown>;
          const text = String(args.body ?? args.notes ?? args.title ?? args.text ?? '');
          return (
            <li key={r.id} data-testid="rejected-item">
              <strong>{t(`mutation.${r.mutation.name}` as MessageKey)}</strong>
              {text && <span class="muted"> — {text.slice(0, 120)}</span>}
              <div>{t('rejected.reason', { reason: r.reason })}</div>
              <button type="button" onClick={() => void rt.engine.dismissRejected(r.id)}>
                {t('rejected.dismiss')}
              </button>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
