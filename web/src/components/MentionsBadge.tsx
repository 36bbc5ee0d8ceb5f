/**
 * The number of new mentions next to "Mentions" in the navigation, hidden at zero. It counts
 * the `mention` changes in the local store, so it follows pulls and the live connection alike.
 */
import { useEffect } from 'preact/hooks';
import type { MentionChange } from '../api/types';
import { useQuery } from '../data/hooks';
import { badgeText, seenMentions, unseenCount, unseenLabelKey } from '../data/mentions';
import { t, useLang } from '../i18n';
import { useObservable } from '../lib/observable';
import { ENTITY } from '../sync/entities';

export function MentionsBadge({ userId }: { userId: number }) {
  const lang = useLang();
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
  const n = unseenCount(seqs, lastSeen);
  if (n === 0) return null;
  // The visible number alone says little to a screen reader: it reads the sentence instead.
  return (
    <span class="badge nav-badge" data-testid="mentions-badge" data-count={n}>
      <span aria-hidden="true">{badgeText(n)}</span>
      <span class="visually-hidden">{t(unseenLabelKey(n, lang), { n })}</span>
    </span>
  );
}
