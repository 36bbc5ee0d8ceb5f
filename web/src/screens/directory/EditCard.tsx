/**
 * The editing state of one kind of entity on a card of the directory screen (counterparts,
 * partnerships, regions, cities, sectors, glossary terms): which form is open, the write found
 * stale, the status line under the heading, and where focus goes. Also the card's Add buttons and
 * the rows' Edit buttons, which stay in place but disabled, saying why, while the screen shows a
 * saved copy (writes need the server).
 */
import type { RefObject } from 'preact';
import { useRef, useState } from 'preact/hooks';
import { t } from '../../i18n';

/**
 * B: what a form is opened on (null adds); S: a write the server refused as stale. A card that
 * edits two kinds (regions and their cities) passes the first one's `headingRef` to the second,
 * so that both send focus to the card's one heading.
 */
export function useEditCard<B, S>(onChanged: () => void, sharedHeading?: RefObject<HTMLHeadingElement>) {
  const [editing, setEditing] = useState<{ base: B | null } | null>(null);
  const [stale, setStale] = useState<S | null>(null);
  const [status, setStatus] = useState('');
  const ownHeading = useRef<HTMLHeadingElement>(null);
  const headingRef = sharedHeading ?? ownHeading;
  const opener = useRef<HTMLElement | null>(null);
  return {
    editing,
    stale,
    status,
    headingRef,
    open(base: B | null) {
      opener.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
      setStatus('');
      setEditing({ base });
    },
    /** Closes the form; focus goes back to the button that opened it. */
    cancel() {
      setEditing(null);
      opener.current?.focus();
    },
    /**
     * After a write (or a discarded conflict): the list is read again from the server, never
     * patched here; the heading takes focus and the status line under it says what happened.
     */
    settle(message: string) {
      setEditing(null);
      setStale(null);
      setStatus(message);
      onChanged();
      headingRef.current?.focus();
    },
    /** The form's write was stale: the form gives way to the conflict dialog. */
    toStale(s: S) {
      setEditing(null);
      setStale(s);
    },
    /** Refused as stale once more, from the dialog: show the newer state. */
    setStale,
  };
}

/** Id of the line saying why writes are off, when they are (the screen shows a saved copy). */
export function offlineHintId(name: string, canEdit: boolean, offline: boolean): string | undefined {
  return canEdit && offline ? `${name}-offline-hint` : undefined;
}

interface EditBarProps {
  /** Names ids and test ids: `<name>-status`, `<name>-offline-hint`, `<name>-add`. */
  name: string;
  status: string;
  canEdit: boolean;
  offline: boolean;
  offlineText: string;
  addLabel?: string;
  onAdd?: () => void;
}

/** What the last write of a kind did ("Saved."); test id `<name>-status`. */
export function StatusLine({ name, status }: { name: string; status: string }) {
  return (
    <p class="muted small status-line" role="status" aria-live="polite" data-testid={`${name}-status`}>
      {status}
    </p>
  );
}

/** Under a card's heading, for those who may write: the status line, why writes are off, and Add. */
export function EditBar({ name, status, canEdit, offline, offlineText, addLabel, onAdd }: EditBarProps) {
  const hint = offlineHintId(name, canEdit, offline);
  if (!canEdit) return null;
  return (
    <>
      <StatusLine name={name} status={status} />
      {hint && (
        <p id={hint} class="muted small" data-testid={hint}>
          {offlineText}
        </p>
      )}
      {addLabel && onAdd && <AddButton name={name} label={addLabel} offlineHint={hint} onClick={onAdd} />}
    </>
  );
}

interface AddButtonProps {
  /** Test id `<name>-add`. */
  name: string;
  label: string;
  /** The line saying why writes are off, when they are: the button is then disabled. */
  offlineHint: string | undefined;
  onClick: () => void;
}

/** A card's Add button (EditBar has one; a card adding two kinds places the second itself). */
export function AddButton({ name, label, offlineHint, onClick }: AddButtonProps) {
  return (
    <button type="button" onClick={onClick} disabled={offlineHint !== undefined} aria-describedby={offlineHint} data-testid={`${name}-add`}>
      {label}
    </button>
  );
}

interface EditButtonProps {
  /** Test id `<name>-edit`. */
  name: string;
  /** What is edited, for screen readers ("Edit (Seoul)"). */
  which: string;
  offlineHint: string | undefined;
  onClick: () => void;
  small?: boolean;
}

export function EditButton({ name, which, offlineHint, onClick, small = false }: EditButtonProps) {
  return (
    <button type="button" class={small ? 'link small' : undefined} onClick={onClick} disabled={offlineHint !== undefined} aria-describedby={offlineHint} data-testid={`${name}-edit`}>
      {t('common.edit')}
      <span class="visually-hidden"> ({which})</span>
    </button>
  );
}
