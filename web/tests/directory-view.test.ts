import { describe, expect, it } from 'vitest';
import { nameIn, textIn, everyPage, type City, type Partnership, type Region } from '../src/api/directory';
import { dayIn, meetingsByYear, partnershipLabel, regionsWithCities, sortHistory, sortPartnerships } from '../src/data/directoryView';

const tr = (ko: string, zh: string, en: string) => ({ ko, 'zh-Hans': zh, en });
const seoulRegion: Region = { id: 1, name: '서울특별시', name_lang: 'ko', translations: tr('서울특별시', '首尔特别市', 'Seoul'), country: 'KR', kind: 'special_city', version: 1 };
const beijingRegion: Region = { id: 2, name: '北京市', name_lang: 'zh-Hans', translations: tr('베이징시', '北京市', 'Beijing'), country: 'CN', kind: 'municipality', version: 1 };
const seoul: City = { id: 10, name: '서울', name_lang: 'ko', translations: tr('서울', '首尔', 'Seoul'), country: 'KR', region_id: 1, version: 1 };
const beijing: City = { id: 20, name: '北京', name_lang: 'zh-Hans', translations: tr('베이징', '北京', 'Beijing'), country: 'CN', region_id: 2, version: 1 };
const loose: City = { id: 30, name: '某市', name_lang: 'zh-Hans', translations: {}, country: 'CN', region_id: null, version: 1 };
const cities = new Map([seoul, beijing, loose].map((c) => [c.id, c]));
const p = (id: number, signed_on: string | null, partner = 20): Partnership => ({
  id, member_city_id: 10, partner_city_id: partner, kind: 'sister', signed_on, status: 'active', notes: '', version: 1,
});

describe('names', () => {
  it('shows the original in its own language and the translation otherwise', () => {
    expect(nameIn(beijing, 'zh-Hans')).toBe('北京');
    expect(nameIn(beijing, 'ko')).toBe('베이징');
    expect(nameIn(loose, 'en')).toBe('某市');
    expect(nameIn(undefined, 'en')).toBe('');
    expect(textIn('원문', 'ko', { en: 'Original' }, 'en')).toBe('Original');
    expect(textIn('원문', 'ko', { ko: 'stale' }, 'ko')).toBe('원문');
  });

  it('labels a partnership Korean city first, in the reader language', () => {
    expect(partnershipLabel(p(1, '1993-10-23'), cities, 'ko')).toBe('서울 – 베이징');
    expect(partnershipLabel(p(1, null, 99), cities, 'en')).toBe('Seoul – #99');
  });
});

describe('regions with cities', () => {
  it('lists Korean regions before Chinese ones and puts cities without a region last', () => {
    const rows = regionsWithCities([beijingRegion, seoulRegion], [seoul, beijing, loose], 'en', null);
    expect(rows.map((r) => r.region?.id ?? null)).toEqual([1, 2, null]);
    expect(rows[1].cities.map((c) => c.id)).toEqual([20]);
    expect(rows[2].cities.map((c) => c.id)).toEqual([30]);
  });

  it('filters by country', () => {
    const rows = regionsWithCities([beijingRegion, seoulRegion], [seoul, beijing, loose], 'en', 'KR');
    expect(rows.map((r) => r.region?.id)).toEqual([1]);
  });
});

describe('ordering', () => {
  it('sorts partnerships by signing date, unknown dates last', () => {
    expect(sortPartnerships([p(1, null), p(2, '2005-01-01'), p(3, '1993-10-23')], cities, 'en').map((x) => x.id)).toEqual([3, 2, 1]);
  });

  it('sorts counterpart history oldest first', () => {
    const row = (id: number, started_at: string) => ({ id, partnership_id: 1, sector_id: 1, kr_user_id: 1, cn_user_id: 2, started_at, ended_at: null, previous_id: null, version: 1 });
    expect(sortHistory([row(3, '2026-01-01T00:00:00Z'), row(1, '2024-01-01T00:00:00Z'), row(2, '2026-01-01T00:00:00Z')]).map((r) => r.id)).toEqual([1, 2, 3]);
  });

  it('groups series meetings by year, newest year first', () => {
    const m = (id: number, starts_at: string) => ({ id, title: '', translations: {}, status: 'held', starts_at, timezone: 'Asia/Seoul', year: Number(starts_at.slice(0, 4)) });
    const g = meetingsByYear([m(1, '2025-05-01T00:00:00Z'), m(3, '2026-09-01T00:00:00Z'), m(2, '2026-03-01T00:00:00Z')]);
    expect(g.map((y) => y.year)).toEqual([2026, 2025]);
    expect(g[0].meetings.map((x) => x.id)).toEqual([2, 3]);
  });

  it('gives the calendar day of an instant in a zone', () => {
    expect(dayIn('2026-03-01T16:30:00Z', 'Asia/Seoul')).toBe('2026-03-02');
    expect(dayIn('2026-03-01T16:30:00Z', 'UTC')).toBe('2026-03-01');
    expect(dayIn('2026-03-01T16:30:00Z', 'Not/AZone')).toBe('2026-03-01');
  });
});

describe('every page', () => {
  it('follows next_cursor until it is null', async () => {
    const pages: Record<string, { items: number[]; next_cursor: string | null }> = {
      '': { items: [1, 2], next_cursor: 'a' },
      a: { items: [3], next_cursor: null },
    };
    const seen: (string | null)[] = [];
    const all = await everyPage(async (c) => {
      seen.push(c);
      return pages[c ?? ''];
    });
    expect(all).toEqual([1, 2, 3]);
    expect(seen).toEqual([null, 'a']);
  });
});
