/**
 * Mentions: which ones are new, the "seen" mark kept per user on this device, and the Mentions
 * screen's list built from its pages. Plain logic, no screen or runtime code; the only outside
 * thing it touches is the storage given to SeenMentions (tests/mentions.test.ts).
 *
 * A mention is new when its change-log seq is above the last seq the user has seen on this
 * device. The navigation badge counts the `mention` changes in the local store (pulled, or live
 * over the WebSocket); opening the Mentions screen moves the mark up to what it shows.
 */
import type { Lang, MentionRead, Page } from '../api/types';
import type { MessageKey } from '../i18n/types';
import { observable, type Observable } from '../lib/observable';

/** The server cuts an excerpt at this many characters (code points) of the Markdown source. */
export const EXCERPT_LENGTH = 200;

/**
 * How many mentions are above the last seen seq. A cached mention without a seq (stored by a
 * build that did not keep it) counts as seen: it is old by now.
 */
export function unseenCount(seqs: readonly (number | undefined)[], lastSeen: number): number {
  let n = 0;
  for (const seq of seqs) if (typeof seq === 'number' && seq > lastSeen) n++;
  return n;
}

/** The badge's visible text: capped, so that the navigation keeps its width. */
export function badgeText(n: number): string {
  return n > 99 ? '99+' : String(n);
}

/** The catalog key for "{n} new mentions" in `lang` (English has a singular; ko and zh do not). */
export function unseenLabelKey(n: number, lang: Lang): MessageKey {
  return new Intl.PluralRules(lang).select(n) === 'one' ? 'mentions.unseen.one' : 'mentions.unseen.other';
}

/** The newest seq among these (0 when there is none). */
export function newestSeq(items: readonly { seq?: number }[]): number {
  let max = 0;
  for (const x of items) if (typeof x.seq === 'number' && x.seq > max) max = x.seq;
  return max;
}

/** An excerpt as shown: plain text, with "…" when the server may have cut the message short. */
export function excerptText(excerpt: string): string {
  return [...excerpt].length >= EXCERPT_LENGTH ? `${excerpt}…` : excerpt;
}

// ------------------------------------------------------------------ the screen's list

/** Mentions newest first, each once; for the same seq the later list's copy wins. */
export function mergeMentions(...lists: (readonly MentionRead[])[]): MentionRead[] {
  const bySeq = new Map<number, MentionRead>();
  for (const list of lists) for (const m of list) bySeq.set(m.seq, m);
  return [...bySeq.values()].sort((a, b) => b.seq - a.seq);
}

/** What the Mentions screen lists during one visit, and where "Load more" goes on from. */
export interface MentionFeed {
  items: MentionRead[];
  nextCursor: string | null;
  /** "Load more" was used: the cursor is the deepest page's, not the first page's. */
  olderLoaded: boolean;
}

export const EMPTY_FEED: MentionFeed = { items: [], nextCursor: null, olderLoaded: false };

/**
 * A (new) answer for the first page. Items already listed stay: when new mentions push the
 * first page down, its old last items would otherwise fall between it and the pages loaded
 * after it. Once older pages are loaded, "Load more" goes on from the deepest of them.
 */
export function withFirstPage(feed: MentionFeed, page: Page<MentionRead>): MentionFeed {
  return {
    items: mergeMentions(feed.items, page.items),
    nextCursor: feed.olderLoaded ? feed.nextCursor : page.next_cursor,
    olderLoaded: feed.olderLoaded,
  };
}

/** The answer to "Load more": appended, and the next cursor is its own. */
export function withOlderPage(feed: MentionFeed, page: Page<MentionRead>): MentionFeed {
  return { items: mergeMentions(feed.items, page.items), nextCursor: page.next_cursor, olderLoaded: true };
}

/**
 * The first page as the screen reads it (and saves it for offline reading), with the newest
 * mention seq the local store held just before asking. Everything the store held then was
 * already in the server's log, so a mention up to that seq that is not in the answer (its
 * message was deleted, or the channel closed to the reader) has nothing to show: it counts as
 * seen too, or the badge could never go back to zero.
 */
export interface MentionsAnswer {
  page: Page<MentionRead>;
  knownBefore: number;
}

/** The seen mark after showing `shown` from `answer`. */
export function seenThrough(answer: MentionsAnswer, shown: readonly MentionRead[]): number {
  return Math.max(answer.knownBefore, newestSeq(shown));
}

// ------------------------------------------------------------------ the seen mark

/** Where the marks are kept: localStorage in the app. */
export type SeenStorage = Pick<Storage, 'getItem' | 'setItem'>;

export function seenKey(userId: number): string {
  return `gyoryu.mentions.seen.u${userId}`;
}

/**
 * The last seen mention seq of each user on this device. Per device on purpose (no server
 * state): a new laptop shows every mention as new. A mark never moves back, so two tabs
 * cannot undo each other.
 */
export class SeenMentions {
  private marks = new Map<number, Observable<number>>();

  constructor(private readonly storage: SeenStorage | null) {}

  /** The user's mark, as an observable the badge follows. */
  of(userId: number): Observable<number> {
    let mark = this.marks.get(userId);
    if (!mark) {
      mark = observable(this.stored(userId));
      this.marks.set(userId, mark);
    }
    return mark;
  }

  /** Everything up to `seq` has been seen. */
  markSeen(userId: number, seq: number): void {
    const mark = this.of(userId);
    const stored = this.stored(userId);
    const next = Math.max(mark.get(), stored, seq);
    if (next > stored) {
      try {
        this.storage?.setItem(seenKey(userId), String(next));
      } catch {
        /* storage full or unavailable: the mark lasts for this page only */
      }
    }
    mark.set(next);
  }

  /** Another tab moved a mark (a `storage` event for `key`): follow it. */
  reload(key: string | null): void {
    for (const [userId, mark] of this.marks) {
      if (key === null || key === seenKey(userId)) mark.set(Math.max(mark.get(), this.stored(userId)));
    }
  }

  private stored(userId: number): number {
    let raw: string | null = null;
    try {
      raw = this.storage?.getItem(seenKey(userId)) ?? null;
    } catch {
      return 0;
    }
    const seq = raw === null ? NaN : Number(raw);
    return Number.isFinite(seq) && seq > 0 ? seq : 0;
  }
}

function browserStorage(): SeenStorage | null {
  try {
    return typeof localStorage !== 'undefined' ? localStorage : null;
  } catch {
    return null; // access itself can throw (storage disabled)
  }
}

/** The app's marks, in this browser's localStorage. */
export const seenMentions = new SeenMentions(browserStorage());
