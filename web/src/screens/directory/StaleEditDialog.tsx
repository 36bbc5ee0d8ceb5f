/**
 * "Someone changed this": a write the server refused as stale (412) shown as the user's change
 * next to the current state, then reapply (on top of the current version, with its version) or
 * discard. Never overwrites on its own. Used by every directory editor; EntityConflict fills it
 * for entities edited in place (cities, partnerships), the counterpart editor for pairs.
 */
import { Fragment, type ComponentChildren } from 'preact';
import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from '../../api/client';
import { NAME_LANGS, type NameDraft } from '../../data/directoryEdit';
import { changed, onTopOf } from '../../data/editForm';
import { t, type MessageKey } from '../../i18n';
import { writeError } from './EditForm';

interface StaleEditDialogProps {
  /** Test id `<name>-conflict`; ids of its heading and explanation. */
  name: string;
  explain: ComponentChildren;
  mine: ComponentChildren;
  theirs: ComponentChildren;
  /**
   * Sends the change again on the current version; null when there is nothing to send it to.
   * Its failures are shown in the dialog.
   */
  reapply: (() => Promise<void>) | null;
  onDiscard: () => void;
  /** Changes when a newer current state is shown: the heading takes focus again. */
  shown: string;
}

export function StaleEditDialog({ name, explain, mine, theirs, reapply, onDiscard, shown }: StaleEditDialogProps) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const titleId = `${name}-stale-title`;
  const explainId = `${name}-stale-explain`;

  useLayoutEffect(() => {
    // Before the dialog is painted, so that Escape pressed at once already reaches it.
    setError(null);
    headingRef.current?.focus();
  }, [shown]);

  const run = async () => {
    if (!reapply || busy) return;
    setBusy(true);
    setError(null);
    try {
      await reapply();
    } catch (err) {
      setError(writeError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="modal-backdrop">
      <div
        class="modal"
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        aria-describedby={explainId}
        data-testid={`${name}-conflict`}
        onKeyDown={(e) => {
          // Escape is the safe way out: it keeps the server's version.
          if (e.key === 'Escape' && !busy) onDiscard();
        }}
      >
        <h2 id={titleId} tabIndex={-1} ref={headingRef}>
          {t('conflict.title')}
        </h2>
        <p id={explainId}>{explain}</p>
        <div class="compare">
          <section data-testid="conflict-mine">
            <h3>{t('conflict.mine')}</h3>
            {mine}
          </section>
          <section data-testid="conflict-theirs">
            <h3>{t('conflict.theirs')}</h3>
            {theirs}
          </section>
        </div>
        {error && (
          <p class="error" role="alert" data-testid="conflict-error">
            {error}
          </p>
        )}
        <div class="actions">
          {reapply && (
            <button type="button" class="primary" disabled={busy} onClick={() => void run()} data-testid="conflict-reapply">
              {busy ? t('dir.edit.saving') : t('dir.edit.reapply')}
            </button>
          )}
          <button type="button" disabled={busy} onClick={onDiscard} data-testid="conflict-discard">
            {t('dir.edit.discard')}
          </button>
        </div>
      </div>
    </div>
  );
}

/** One line of a comparison: a label and what it holds. */
export interface Shown {
  label: string;
  value: string;
  lang?: string;
}

/** How a name in three languages shows in the comparison: each language, then the original's. */
export function namesShown(d: NameDraft): (Shown & { key: keyof NameDraft })[] {
  return [
    ...NAME_LANGS.map((l) => ({ key: l, label: t(`dir.edit.name.${l}` as MessageKey), value: d[l].trim() || '—', lang: l })),
    { key: 'name_lang', label: t('dir.edit.nameLang'), value: t(`lang.${d.name_lang}` as MessageKey) },
  ];
}

/** Label–value lines, as a description list. */
export function ShownList({ rows }: { rows: Shown[] }) {
  return (
    <dl class="holders">
      {rows.map((r) => (
        <Fragment key={r.label}>
          <dt>{r.label}</dt>
          <dd lang={r.lang}>{r.value}</dd>
        </Fragment>
      ))}
    </dl>
  );
}

interface Versioned {
  id: number;
  version: number;
}

/** The entity as it is now: a 412 carries its current state; if not, it is read again. */
export async function currentOf<E extends Versioned>(err: ApiError, reload: () => Promise<E>): Promise<E> {
  const c = err.problem.current as Partial<E> | undefined;
  return c && typeof c.id === 'number' && typeof c.version === 'number' ? (c as E) : reload();
}

/** An edit refused as stale: the entity it was made on, what the user changed, the entity now. */
export interface EntityStale<E, D> {
  opened: E;
  mine: Partial<D>;
  latest: E;
}

/** How an entity edited in place is drafted, shown, diffed and written (B: its PATCH body). */
export interface EntityEditing<E extends Versioned, D extends object, B extends object> {
  /** Test ids (`<name>-conflict`). */
  name: string;
  draftOf: (e: E) => D;
  /** The draft's fields as lines (label, shown value), keyed by draft field, in screen order. */
  show: (d: D) => (Shown & { key: keyof D })[];
  /** The PATCH body from `base` to `target`: only what differs. */
  patch: (base: E, target: D) => B;
  send: (latest: E, body: B) => Promise<unknown>;
  reload: (id: number) => Promise<E>;
}

/** A stale edit of a whole form (from its opened entity) ready for the dialog. */
export async function staleEdit<E extends Versioned, D extends object, B extends object>(spec: EntityEditing<E, D, B>, opened: E, draft: D, err: ApiError): Promise<EntityStale<E, D>> {
  return { opened, mine: changed(spec.draftOf(opened), draft), latest: await currentOf(err, () => spec.reload(opened.id)) };
}

interface EntityConflictProps<E extends Versioned, D extends object, B extends object> {
  spec: EntityEditing<E, D, B>;
  stale: EntityStale<E, D>;
  /** What was edited, named in the explanation ("Seoul – Beijing"). */
  what: string;
  onStale: (stale: EntityStale<E, D>) => void;
  /** Closes the dialog with the status line's message ("" when discarded). */
  onDone: (message: string) => void;
}

/**
 * Mine: only the fields the user changed, "from → to" (those are what a reapply sends);
 * theirs: every field as it is now. Reapplying lays the user's fields on the current version.
 */
export function EntityConflict<E extends Versioned, D extends object, B extends object>({ spec, stale, what, onStale, onDone }: EntityConflictProps<E, D, B>) {
  const { opened, mine, latest } = stale;
  const before = spec.show(spec.draftOf(opened));
  const after = spec.show(onTopOf(spec.draftOf(opened), mine));
  const touched = after.filter((r) => r.key in mine).map((r) => {
    const was = before.find((b) => b.key === r.key);
    return { ...r, value: `${was?.value ?? ''} → ${r.value}` };
  });

  const reapply = async () => {
    const body = spec.patch(latest, onTopOf(spec.draftOf(latest), mine));
    // Someone already made the same change: nothing is left to send.
    if (Object.keys(body).length === 0) return onDone(t('dir.edit.alreadyThere'));
    try {
      await spec.send(latest, body);
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 412)) throw err;
      onStale({ ...stale, latest: await currentOf(err, () => spec.reload(latest.id)) });
      return;
    }
    onDone(t('dir.edit.saved'));
  };

  return (
    <StaleEditDialog
      name={spec.name}
      shown={`${latest.id}:${latest.version}`}
      explain={`${t('dir.edit.conflictExplainEntity')} (${what})`}
      mine={<ShownList rows={touched} />}
      theirs={<ShownList rows={spec.show(spec.draftOf(latest))} />}
      reapply={reapply}
      onDiscard={() => onDone('')}
    />
  );
}
