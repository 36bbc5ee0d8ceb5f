/** Pure helpers that shape directory and series answers for display (tested in tests/directory-view.test.ts). */
import { nameIn, type City, type Counterpart, type Partnership, type Region, type SeriesMeeting } from '../api/directory';
import type { Lang } from '../api/types';

/** The calendar day of an instant in a time zone ("2026-03-01"), for date-only display. */
export function dayIn(iso: string, timeZone: string): string {
  const d = new Date(iso);
  if (isNaN(d.getTime())) return iso.slice(0, 10);
  try {
    return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(d);
  } catch {
    return iso.slice(0, 10);
  }
}

/** "서울 – 베이징": the Korean member city, then the Chinese partner, in the reader's language. */
export function partnershipLabel(p: Partnership, cities: Map<number, City>, lang: Lang): string {
  const a = cities.get(p.member_city_id);
  const b = cities.get(p.partner_city_id);
  return `${a ? nameIn(a, lang) : `#${p.member_city_id}`} – ${b ? nameIn(b, lang) : `#${p.partner_city_id}`}`;
}

export interface RegionRow {
  region: Region | null;
  cities: City[];
}

/**
 * Regions of the chosen country (or both) with their cities, sorted by name in the reader's
 * language; cities without a region come last in a row of their own.
 */
export function regionsWithCities(regions: Region[], cities: City[], lang: Lang, country: 'KR' | 'CN' | null): RegionRow[] {
  const c = new Intl.Collator(lang);
  const byName = <T extends { name: string }>(a: T, b: T) => c.compare(nameIn(a, lang), nameIn(b, lang));
  const keep = <T extends { country: string }>(x: T) => country === null || x.country === country;
  const rows: RegionRow[] = regions
    .filter(keep)
    .sort((a, b) => b.country.localeCompare(a.country) || byName(a, b)) // KR before CN, then by name
    .map((region) => ({ region, cities: cities.filter((x) => x.region_id === region.id).sort(byName) }));
  const known = new Set(regions.map((r) => r.id));
  const loose = cities.filter((x) => keep(x) && (x.region_id === null || !known.has(x.region_id))).sort(byName);
  if (loose.length) rows.push({ region: null, cities: loose });
  return rows;
}

/** Partnerships sorted by signing date (unknown dates last), then by label. */
export function sortPartnerships(list: Partnership[], cities: Map<number, City>, lang: Lang): Partnership[] {
  const c = new Intl.Collator(lang);
  return [...list].sort(
    (a, b) =>
      (a.signed_on ?? '9999').localeCompare(b.signed_on ?? '9999') ||
      c.compare(partnershipLabel(a, cities, lang), partnershipLabel(b, cities, lang)),
  );
}

/** Counterpart history oldest first (the server's order, made sure of), the current holder last. */
export function sortHistory(rows: Counterpart[]): Counterpart[] {
  return [...rows].sort((a, b) => a.started_at.localeCompare(b.started_at) || a.id - b.id);
}

/** Meetings of a series grouped by year, newest year first, each year's meetings oldest first. */
export function meetingsByYear(meetings: SeriesMeeting[]): { year: number; meetings: SeriesMeeting[] }[] {
  const years = new Map<number, SeriesMeeting[]>();
  for (const m of meetings) {
    const list = years.get(m.year) ?? [];
    list.push(m);
    years.set(m.year, list);
  }
  return [...years.entries()]
    .sort(([a], [b]) => b - a)
    .map(([year, list]) => ({ year, meetings: list.sort((a, b) => a.starts_at.localeCompare(b.starts_at)) }));
}
