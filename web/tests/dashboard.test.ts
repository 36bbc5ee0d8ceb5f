import { describe, expect, it } from 'vitest';
import type { Dashboard } from '../src/api/directory';
import {
  actionItemsPerOrganization,
  activityPerChannelMonth,
  dashboardCharts,
  describeChart,
  formatMonth,
  isEmptyChart,
  meetingsPerCityYear,
  monthsEnding,
  partnershipsPerSector,
  totals,
} from '../src/data/dashboard';

const beijing = { city_id: 4, city_name: '北京', translations: { ko: '베이징', 'zh-Hans': '北京', en: 'Beijing' } };
const shanghai = { city_id: 5, city_name: '上海', translations: { ko: '상하이', 'zh-Hans': '上海', en: 'Shanghai' } };

describe('meetings per partner city and year', () => {
  it('makes one series per city in the reader language, with every year from first to last (gaps as 0)', () => {
    const d = meetingsPerCityYear(
      [
        { ...beijing, year: 2024, meetings: 2 },
        { ...beijing, year: 2026, meetings: 1 },
        { ...shanghai, year: 2026, meetings: 3 },
      ],
      'en',
    );
    expect(d.labels).toEqual(['2024', '2025', '2026']);
    expect(d.series).toEqual([
      { key: 'city-4', name: 'Beijing', values: [2, 0, 1] },
      { key: 'city-5', name: 'Shanghai', values: [0, 0, 3] },
    ]);
  });

  it('names cities in Korean and falls back to the original name without a translation', () => {
    const d = meetingsPerCityYear([{ ...beijing, year: 2026, meetings: 1 }, { city_id: 9, city_name: '青岛市', translations: {}, year: 2026, meetings: 1 }], 'ko');
    expect(d.series.map((s) => s.name).sort()).toEqual(['베이징', '青岛市'].sort());
  });

  it('is empty without rows', () => {
    expect(isEmptyChart(meetingsPerCityYear([], 'en'))).toBe(true);
  });
});

describe('action items per organization', () => {
  const names = { open: 'Open', overdue: 'Overdue', noOrg: 'No organization' };

  it('puts the organization with most open items first, and labels items without one', () => {
    const d = actionItemsPerOrganization(
      [
        { organization_id: 1, organization_name: '서울특별시', open: 1, overdue: 0 },
        { organization_id: null, organization_name: '', open: 2, overdue: 1 },
        { organization_id: 2, organization_name: '北京市人民政府', open: 4, overdue: 2 },
      ],
      names,
    );
    expect(d.labels).toEqual(['北京市人民政府', 'No organization', '서울특별시']);
    expect(d.series).toEqual([
      { key: 'open', name: 'Open', values: [4, 2, 1] },
      { key: 'overdue', name: 'Overdue', values: [2, 1, 0] },
    ]);
  });

  it('uses the given name lookup (localized organization names) with the server name as fallback', () => {
    const d = actionItemsPerOrganization([{ organization_id: 2, organization_name: '北京市人民政府', open: 1, overdue: 0 }], names, (id, fb) =>
      id === 2 ? 'Beijing Municipal Government' : fb,
    );
    expect(d.labels).toEqual(['Beijing Municipal Government']);
  });
});

describe('channel activity per month', () => {
  it('lists the last n months in UTC, oldest first, across a year boundary', () => {
    expect(monthsEnding('2026-02-10T00:00:00Z', 4)).toEqual(['2025-11', '2025-12', '2026-01', '2026-02']);
    expect(monthsEnding('2026-03-31T23:30:00-05:00', 1)).toEqual(['2026-04']); // UTC month
    expect(monthsEnding('not a date', 3)).toEqual([]);
  });

  it('fills quiet months with 0 and makes one series per channel', () => {
    const d = activityPerChannelMonth(
      [
        { channel_id: 7, channel_name: 'Working group', month: '2026-01', messages: 5 },
        { channel_id: 7, channel_name: 'Working group', month: '2026-03', messages: 2 },
        { channel_id: 8, channel_name: 'Air quality', month: '2026-03', messages: 1 },
      ],
      3,
      '2026-03-15T00:00:00Z',
      'en',
    );
    expect(d.labels).toHaveLength(3);
    expect(d.series).toEqual([
      { key: 'channel-8', name: 'Air quality', values: [0, 0, 1] },
      { key: 'channel-7', name: 'Working group', values: [5, 0, 2] },
    ]);
    expect(totals(d)).toEqual([5, 0, 3]);
  });

  it('keeps a row from outside the window as its own column instead of dropping it', () => {
    const d = activityPerChannelMonth([{ channel_id: 1, channel_name: 'c', month: '2026-04', messages: 1 }], 1, '2026-03-31T23:59:00Z', 'en');
    expect(d.labels).toHaveLength(2);
    expect(d.series[0].values).toEqual([0, 1]);
  });

  it('formats months in each language', () => {
    expect(formatMonth('2026-03', 'ko')).toContain('2026');
    expect(formatMonth('2026-03', 'ko')).toContain('3');
    expect(formatMonth('2026-03', 'zh-Hans')).toContain('3月');
    expect(formatMonth('2026-03', 'en')).toMatch(/Mar/);
    expect(formatMonth('garbage', 'en')).toBe('garbage');
  });
});

describe('partnerships per sector', () => {
  it('keeps every sector (zeros included) with its name in the reader language', () => {
    const d = partnershipsPerSector(
      [
        { sector_id: 1, code: 'economy_trade', name: '경제·통상', translations: { 'zh-Hans': '经济贸易', en: 'Economy and trade' }, partnerships: 1 },
        { sector_id: 2, code: 'tourism', name: '관광', translations: { en: 'Tourism' }, partnerships: 0 },
      ],
      '友好关系',
      'zh-Hans',
    );
    expect(d.labels).toEqual(['经济贸易', '관광']);
    expect(d.series).toEqual([{ key: 'partnerships', name: '友好关系', values: [1, 0] }]);
  });
});

describe('whole dashboard', () => {
  const dash: Dashboard = {
    generated_at: '2026-11-29T00:00:00Z',
    months: 2,
    meetings_per_partner_city_year: [{ ...beijing, year: 2026, meetings: 1 }],
    action_items_per_organization: [],
    activity_per_channel_month: [{ channel_id: 1, channel_name: 'WG', month: '2026-11', messages: 1 }],
    partnerships_per_sector: [{ sector_id: 1, code: 'economy_trade', name: '경제·통상', translations: {}, partnerships: 1 }],
  };

  it('builds all four charts and describes their numbers as text', () => {
    const c = dashboardCharts(dash, 'en', { open: 'Open', overdue: 'Overdue', noOrg: '-', partnerships: 'Partnerships' });
    expect(describeChart(c.meetings)).toBe('2026: Beijing 1');
    expect(isEmptyChart(c.actions)).toBe(true);
    expect(c.activity.series[0].values).toEqual([0, 1]);
    expect(describeChart(c.sectors)).toBe('경제·통상: Partnerships 1');
  });
});
