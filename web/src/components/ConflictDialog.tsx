import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { MessageKey } from '../i18n';
import { t } from '../i18n';
import { useObservable } from '../lib/observable';
import { conflicts, runtime } from '../runtime';

/** Shows the oldest unresolved conflict: keep mine / keep theirs / edit a merge. */
export function ConflictDialog({ onClose }: { onClose: () => void }) {
  const list = useObservable(conflicts);
  const rt = useObservable(runtime);
  const rec = list[0];
  const [merging, setMerging] = useState(false);
  const [text, setText] = useState('');
  const headingRef = useRef<HTMLHeadingElement>(null);

  useLayoutEffect(() => {
    // Before the dialog is painted, so that keys pressed at once already reach it.
    setMerging(false);
    headingRef.current?.focus();
  }, [rec?.id]);

  if (!rec || !rt) return null;
  const { mine, theirs } = rt.engine.conflictTexts(rec);
  const what = t(`mutation.${rec.mutation.name}` as MessageKey);
  const resolve = async (how: Parameters<typeof rt.engine.resolveConflict>[1]) => {
    await rt.engine.resolveConflict(rec.id, how);
    if (list.length <= 1) onClose();
  };

  return (
    <div class="modal-backdrop">
      <div
        class="modal"
        role="dialog"
        aria-modal="true"
        aria-labelledby="conflict-title"
        data-testid="conflict-dialog"
        onKeyDown={(e) => {
          if (e.key === 'Escape') onClose();
        }}
      >
        <h2 id="conflict-title" tabIndex={-1} ref={headingRef}>
          {t('conflict.title')}
        </h2>
        <p>{t('conflict.explain', { what })}</p>
        <div class="compare">
          <section>
            <h3>{t('conflict.mine')}</h3>
            <pre class="text-block" data-testid="conflict-mine">{mine}</pre>
          </section>
          <section>
            <h3>{t('conflict.theirs')}</h3>
            <pre class="text-block" data-testid="conflict-theirs">{theirs}</pre>
          </section>
        </div>
        {merging && (
          <div class="field">
            <label for="conflict-merge">{t('conflict.mergeLabel')}</label>
            <textarea id="conflict-merge" rows={8} value={text} data-testid="conflict-merge-text" onInput={(e) => setText((e.currentTarget as HTMLTextAreaElement).value)} />
          </div>
        )}
        <div class="actions">
          <button type="button" class="primary" data-testid="conflict-keep-mine" onClick={() => void resolve({ kind: 'mine' })}>
            {t('conflict.keepMine')}
          </button>
          <button type="button" data-testid="conflict-keep-theirs" onClick={() => void resolve({ kind: 'theirs' })}>
            {t('conflict.keepTheirs')}
          </button>
          {!merging ? (
            <button
              type="button"
              data-testid="conflict-edit-merge"
              onClick={() => {
                setText(`${theirs}\n\n${mine}`);
                setMerging(true);
              }}
            >
              {t('conflict.editMerge')}
            </button>
          ) : (
            <button type="button" data-testid="conflict-save-merge" onClick={() => void resolve({ kind: 'merge', text })}>
              {t('conflict.saveMerge')}
            </button>
          )}
          <button type="button" class="link" onClick={onClose}>
            {t('common.close')}
          </button>
        </div>
      </div>
    </div>
  );
}
