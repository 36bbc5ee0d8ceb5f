import { afterEach, describe, expect, it } from 'vitest';
import type { MentionChange, MentionRead, Page } from '../src/api/types';
import type { ChangeEvent } from '../src/api/wire';
import {
  badgeText, EMPTY_FEED, excerptText, mergeMentions, newestSeq, SeenMentions, seenKey, seenThrough,
  unseenCount, unseenLabelKey, withFirstPage, withOlderPage, type SeenStorage,
} from '../src/data/mentions';
import { translate } from '../src/i18n';
import { ENTITY } from '../src/sync/entities';
import { SyncStore } from '../src/sync/store';
import { freshDbName } from './helpers';

const KIM = 7;
const LI = 9;

const mention = (seq: number, excerpt = `@seoul.kim #${seq}`): MentionRead => ({
  seq,
  message_id: 100 + seq,
  thread_id: 5,
  channel_id: 3,
  thread_title: '2027 교류 계획',
  author: { id: LI, username: 'beijing.li', display_name: '李伟', is_bot: false },
  excerpt,
  lang: 'zh-Hans',
  created_at: `2027-03-10T0${seq % 10}:00:00Z`,
});
const page = (seqs: number[], next_cursor: string | null = null): Page<MentionRead> => ({ items: seqs.map((s) => mention(s)), next_cursor });
const seqsOf = (items: MentionRead[]) => items.map((m) => m.seq);

/** localStorage as two tabs share it; `broken` makes every call throw (storage disabled). */
function memoryStorage() {
  const map = new Map<string, string>();
  const s = {
    broken: false,
    map,
    getItem(k: string) {
      if (s.broken) throw new Error('SecurityError');
      return map.get(k) ?? null;
    },
    setItem(k: string, v: string) {
      if (s.broken) throw new Error('QuotaExceededError');
      map.set(k, v);
    },
  };
  return s satisfies SeenStorage;
}

describe('counting new mentions', () => {
  it('counts the mentions above the last seen seq; one without a seq counts as seen', () => {
    expect(unseenCount([], 0)).toBe(0);
    expect(unseenCount([4, 9, 12], 0)).toBe(3);
    expect(unseenCount([4, 9, 12], 9)).toBe(1);
    expect(unseenCount([4, 9, 12], 12)).toBe(0);
    expect(unseenCount([undefined, 15], 0)).toBe(1);
  });

  it('caps the visible number, and says it in a sentence in each language', () => {
    expect(badgeText(1)).toBe('1');
    expect(badgeText(99)).toBe('99');
    expect(badgeText(100)).toBe('99+');
    expect(translate('en', unseenLabelKey(1, 'en'), { n: 1 })).toBe('1 new mention');
    expect(translate('en', unseenLabelKey(3, 'en'), { n: 3 })).toBe('3 new mentions');
    expect(translate('ko', unseenLabelKey(1, 'ko'), { n: 1 })).toBe('새 멘션 1건');
    expect(translate('zh-Hans', unseenLabelKey(2, 'zh-Hans'), { n: 2 })).toBe('2 条新提及');
  });

  it('finds the newest seq', () => {
    expect(newestSeq([])).toBe(0);
    expect(newestSeq([{ seq: 3 }, { seq: 11 }, {}, { seq: 7 }])).toBe(11);
  });
});

describe('the excerpt', () => {
  it('is shown as sent, with an ellipsis only when the server may have cut it', () => {
    expect(excerptText('@seoul.kim <b>회의</b> 자료')).toBe('@seoul.kim <b>회의</b> 자료');
    expect(excerptText('가'.repeat(199))).toBe('가'.repeat(199));
    expect(excerptText('가'.repeat(200))).toBe(`${'가'.repeat(200)}…`);
    // 200 characters as the server counts them (code points), though 400 UTF-16 units here.
    expect(excerptText('😀'.repeat(150))).toBe('😀'.repeat(150));
  });
});

describe("the screen's list", () => {
  it('merges pages newest first, each mention once, the later answer winning', () => {
    const merged = mergeMentions([mention(9), mention(5)], [mention(7), mention(5, 'edited copy')]);
    expect(seqsOf(merged)).toEqual([9, 7, 5]);
    expect(merged[2].excerpt).toBe('edited copy');
  });

  it('goes on from the first page, then from the deepest page loaded', () => {
    let feed = withFirstPage(EMPTY_FEED, page([30, 29], 'c1'));
    expect(feed).toMatchObject({ nextCursor: 'c1', olderLoaded: false });
    feed = withOlderPage(feed, page([28, 27], 'c2'));
    expect(seqsOf(feed.items)).toEqual([30, 29, 28, 27]);
    expect(feed.nextCursor).toBe('c2');
    feed = withOlderPage(feed, page([26], null));
    expect(feed.nextCursor).toBeNull();
  });

  it('keeps what "Load more" added when a new mention refreshes the first page', () => {
    let feed = withFirstPage(EMPTY_FEED, page([30, 29], 'c1'));
    feed = withOlderPage(feed, page([28, 27], 'c2'));
    // A new mention (31) pushes 29 off the first page: it must stay listed, and the next
    // page is still the one after 27, not the refreshed first page's.
    feed = withFirstPage(feed, page([31, 30], 'c1b'));
    expect(seqsOf(feed.items)).toEqual([31, 30, 29, 28, 27]);
    expect(feed.nextCursor).toBe('c2');
  });

  it('sees what it shows, and what the store knew before asking though the server left it out', () => {
    const shown = [mention(12), mention(10)];
    expect(seenThrough({ page: page([12, 10]), knownBefore: 0 }, shown)).toBe(12);
    // 14's message was deleted: the store heard of it, the answer does not list it.
    expect(seenThrough({ page: page([12, 10]), knownBefore: 14 }, shown)).toBe(14);
    expect(seenThrough({ page: page([]), knownBefore: 0 }, [])).toBe(0);
  });
});

describe('the seen mark on this device', () => {
  it('is kept per user, starts at zero and never moves back', () => {
    const storage = memoryStorage();
    const seen = new SeenMentions(storage);
    expect(seen.of(KIM).get()).toBe(0);
    seen.markSeen(KIM, 12);
    expect(storage.map.get(seenKey(KIM))).toBe('12');
    seen.markSeen(KIM, 8);
    expect(seen.of(KIM).get()).toBe(12);
    expect(storage.map.get(seenKey(KIM))).toBe('12');
    expect(seen.of(LI).get()).toBe(0);
    // After a reload the mark is read back.
    expect(new SeenMentions(storage).of(KIM).get()).toBe(12);
  });

  it('tells the badge when it moves', () => {
    const seen = new SeenMentions(memoryStorage());
    const marks: number[] = [];
    seen.of(KIM).subscribe((v) => marks.push(v));
    seen.markSeen(KIM, 4);
    seen.markSeen(KIM, 4);
    seen.markSeen(KIM, 6);
    expect(marks).toEqual([4, 6]);
  });

  it('follows a mark moved in another tab, and does not undo it', () => {
    const storage = memoryStorage();
    const here = new SeenMentions(storage);
    const there = new SeenMentions(storage);
    expect(here.of(KIM).get()).toBe(0);
    there.markSeen(KIM, 20);
    here.reload('some.other.key');
    expect(here.of(KIM).get()).toBe(0);
    here.reload(seenKey(KIM));
    expect(here.of(KIM).get()).toBe(20);
    here.markSeen(KIM, 15); // this tab showed an older answer
    expect(storage.map.get(seenKey(KIM))).toBe('20');
  });

  it('works for the page only when storage is unusable, and ignores garbage', () => {
    const storage = memoryStorage();
    storage.map.set(seenKey(KIM), 'not a number');
    expect(new SeenMentions(storage).of(KIM).get()).toBe(0);
    storage.broken = true;
    const seen = new SeenMentions(storage);
    seen.markSeen(KIM, 5);
    expect(seen.of(KIM).get()).toBe(5);
    expect(new SeenMentions(null).of(KIM).get()).toBe(0);
  });
});

describe('mentions in the local store', () => {
  const opened: SyncStore[] = [];
  afterEach(() => {
    for (const s of opened.splice(0)) s.close();
  });

  const change = (seq: number, entity: string, id: number, data: Record<string, unknown>): ChangeEvent => ({
    type: 'change', seq, scope: `user:${KIM}`, entity, id, op: 'created', version: 1, data,
  });

  it('keep the seq of their change, so the badge can count them, pulled or live', async () => {
    const store = await SyncStore.open(freshDbName());
    opened.push(store);
    const data = (messageId: number) => ({ message_id: messageId, thread_id: 5, channel_id: 3, author_id: LI, excerpt: '@seoul.kim 확인 부탁드립니다' });
    await store.applyChanges([change(41, ENTITY.mention, 501, data(501)), change(42, ENTITY.channel, 3, { id: 3, name: 'x' })], 42);
    await store.applyChanges([change(57, ENTITY.mention, 502, data(502))]); // live, one by one
    const rows = await store.list<MentionChange>(ENTITY.mention);
    expect(rows.map((m) => [m.id, m.seq])).toEqual([[501, 41], [502, 57]]);
    expect(unseenCount(rows.map((m) => m.seq), 41)).toBe(1);
    // Only mentions carry it: other entities stay as the server sent them.
    expect(await store.get(ENTITY.channel, 3)).not.toHaveProperty('seq');
  });
});
