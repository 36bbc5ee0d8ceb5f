/**
 * The number of new mentions next to "Mentions" in the navigation, hidden at zero. It counts
 * the `mention` changes in the local store, so it follows pulls and the live connection alike.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { MentionChange } from '../api/types';
import { useQuery } from '../data/hooks';
import { badgeText, seenMentions, unseenCount, unseenLabelKey } from '../data/mentions';
import { t, useLang } from '../i18n';
import { useObservable } from '../lib/observable';
import { ENTITY } from '../sync/entities';

/** How many mentions are new for this user, following the store and the seen mark. */
function useUnseenMentions(userId: number): number {
  const seqs = useQuery(
    (s) => s.list<MentionChange>(ENTITY.mention).then((rows) => rows.map((m) => m.seq)),
    [],
    [] as (number | undefined)[],
  );
  const lastSeen = useObservable(seenMentions.of(userId));
  // Mentions seen in another tab clear the badge here too.
  useEffect(() => {
    const onStorage = (e: StorageEvent) => seenMentions.reload(e.key);
    window.addEventListener('storage', onStorage);
    return () => window.removeEventListener('storage', onStorage);
  }, []);
  return unseenCount(seqs, lastSeen);
}

export function MentionsBadge({ userId }: { userId: number }) {
  const lang = useLang();
  const n = useUnseenMentions(userId);
  if (n === 0) return null;
  // The visible number alone says little to a screen reader: it reads the sentence instead.
  return (
    <span class="badge nav-badge" data-testid="mentions-badge" data-count={n}>
      <span aria-hidden="true">{badgeText(n)}</span>
      <span class="visually-hidden">{t(unseenLabelKey(n, lang), { n })}</span>
    </span>
  );
}

/**
 * Says "1 new mention" to screen readers when a mention arrives (a polite live region, kept
 * outside the navigation link so that the link's name stays short). Only a rise is announced:
 * not the count found at start-up, nor the drop when they are seen.
 */
export function MentionsAnnouncer({ userId }: { userId: number }) {
  const lang = useLang();
  const n = useUnseenMentions(userId);
  const before = useRef<number | null>(null);
  const [said, setSaid] = useState('');
  useEffect(() => {
    if (before.current !== null && n > before.current) setSaid(t(unseenLabelKey(n, lang), { n }));
    before.current = n;
  }, [n]);
  return (
    <span class="visually-hidden" role="status" aria-live="polite" data-testid="mentions-announcer">
      {said}
    </span>
  );
}
