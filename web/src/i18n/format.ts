/**
 * Dates and times through Intl.DateTimeFormat: always in an explicit IANA zone (the user's,
 * the meeting's, or a delegation's), never the laptop's clock setting by accident.
 */
import type { Lang } from '../api/types';

const cache = new Map<string, Intl.DateTimeFormat>();
function fmt(lang: Lang, timeZone: string, opts: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${lang}|${timeZone}|${JSON.stringify(opts)}`;
  let f = cache.get(key);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat(lang, { timeZone, ...opts });
    } catch {
      f = new Intl.DateTimeFormat(lang, { timeZone: 'UTC', ...opts });
    }
    cache.set(key, f);
  }
  return f;
}

export function browserTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

const DATETIME: Intl.DateTimeFormatOptions = { year: 'numeric', month: 'short', day: 'numeric', weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };
const TIME: Intl.DateTimeFormatOptions = { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };
const DATE: Intl.DateTimeFormatOptions = { year: 'numeric', month: 'short', day: 'numeric' };

export function formatDateTime(iso: string | null | undefined, lang: Lang, timeZone: string): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (isNaN(d.getTime())) return iso;
  return fmt(lang, timeZone, DATETIME).format(d);
}

export function formatTime(iso: string | number | Date, lang: Lang, timeZone: string): string {
  const d = new Date(iso);
  if (isNaN(d.getTime())) return String(iso);
  return fmt(lang, timeZone, TIME).format(d);
}

/** A calendar date ("2025-05-01") is not an instant: format it without any zone shift. */
export function formatDate(date: string | null | undefined, lang: Lang): string {
  if (!date) return '';
  const d = new Date(`${date.slice(0, 10)}T12:00:00Z`);
  if (isNaN(d.getTime())) return date;
  return fmt(lang, 'UTC', DATE).format(d);
}

/** "10:00–12:00" style range in one zone (dates shown once when both ends share a day). */
export function formatRange(startIso: string, endIso: string | null | undefined, lang: Lang, timeZone: string): string {
  const start = formatDateTime(startIso, lang, timeZone);
  if (!endIso) return start;
  const sameDay = fmt(lang, timeZone, DATE).format(new Date(startIso)) === fmt(lang, timeZone, DATE).format(new Date(endIso));
  return `${start} – ${sameDay ? formatTime(endIso, lang, timeZone) : formatDateTime(endIso, lang, timeZone)}`;
}

/** UTC offset of a zone at an instant, in minutes (e.g. Asia/Seoul -> 540). */
export function zoneOffsetMinutes(timeZone: string, at: Date): number {
  try {
    const parts = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' }).formatToParts(at);
    const get = (t: string) => Number(parts.find((p) => p.type === t)?.value);
    const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour') % 24, get('minute'));
    return Math.round((asUtc - Math.floor(at.getTime() / 60000) * 60000) / 60000);
  } catch {
    return 0;
  }
}

/** Whether two zones show different wall-clock times at that instant. */
export function zonesDiffer(a: string, b: string, at: Date): boolean {
  return a !== b && zoneOffsetMinutes(a, at) !== zoneOffsetMinutes(b, at);
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}
