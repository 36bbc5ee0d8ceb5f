/**
 * The exchange directory, meeting series and dashboard: shapes (from the server's schemas,
 * docs/directory.md and docs/meetings.md) and typed calls. These screens read straight from
 * REST. Administrators add and edit regions, cities, partnerships, sectors, glossary terms and
 * counterpart pairs from the directory screen. Writes are online-only: nothing changes on
 * screen until the server has answered 2xx.
 */
import type { ApiClient } from './client';
import type { IsoDate, IsoDateTime, Lang, Organization, Page, Translations, User } from './types';

export type Country = 'KR' | 'CN';

/** Anything with a name in its original language and translations into the others. */
export interface Named {
  name: string;
  name_lang?: string;
  translations?: Translations | Record<string, string>;
}

/** Korea: 특별시, 광역시, 특별자치시, 도, 특별자치도; China: 省, 直辖市, 自治区, 特别行政区. */
export type RegionKind =
  | 'special_city'
  | 'metropolitan_city'
  | 'special_self_governing_city'
  | 'province'
  | 'special_self_governing_province'
  | 'municipality'
  | 'autonomous_region'
  | 'special_administrative_region';

export interface Region extends Named {
  id: number;
  name_lang: string;
  translations: Record<string, string>;
  country: Country;
  kind: RegionKind;
  version: number;
}

export interface City extends Named {
  id: number;
  name_lang: string;
  translations: Record<string, string>;
  country: Country;
  region_id: number | null;
  version: number;
}

/** A name as the server takes it: the original in `name_lang`, the other languages beside it. */
export interface NameBody {
  name: string;
  name_lang: Lang;
  translations: Translations;
}

/** POST /cities (the country never changes afterwards). */
export interface CityCreate extends NameBody {
  country: Country;
  region_id: number | null;
}

/** PATCH /cities/{id}: `translations` replaces all of them; `region_id: null` takes the city out of its region. */
export type CityUpdate = Partial<NameBody & { region_id: number | null }>;

/** POST /regions (the country never changes afterwards). */
export interface RegionCreate extends NameBody {
  country: Country;
  kind: RegionKind;
}

/** PATCH /regions/{id}: names and kind; `translations` replaces all of them; the country stays. */
export type RegionUpdate = Partial<NameBody & { kind: RegionKind }>;

export type PartnershipKind = 'sister' | 'friendly';
export type PartnershipStatus = 'active' | 'suspended' | 'ended';

export interface Partnership {
  id: number;
  member_city_id: number;
  partner_city_id: number;
  kind: PartnershipKind;
  signed_on: IsoDate | null;
  status: PartnershipStatus;
  notes: string;
  version: number;
}

/** POST /partnerships: a Korean member city and a Chinese partner city. */
export interface PartnershipCreate {
  member_city_id: number;
  partner_city_id: number;
  kind: PartnershipKind;
  signed_on: IsoDate | null;
  status: PartnershipStatus;
  notes: string;
}

/** PATCH /partnerships/{id}: the cities of a partnership do not change. */
export type PartnershipUpdate = Partial<Pick<PartnershipCreate, 'kind' | 'signed_on' | 'status' | 'notes'>>;

export interface Sector extends Named {
  id: number;
  code: string;
  name_lang: string;
  translations: Record<string, string>;
  version: number;
}

/** POST /sectors. */
export interface SectorCreate extends NameBody {
  code: string;
}

/** PATCH /sectors/{id}: the names only (the code is how files and clients know the sector). */
export type SectorUpdate = Partial<NameBody>;

export interface Counterpart {
  id: number;
  partnership_id: number;
  sector_id: number;
  kr_user_id: number;
  cn_user_id: number;
  started_at: IsoDateTime;
  ended_at: IsoDateTime | null;
  previous_id: number | null;
  version: number;
}

/** POST /counterparts: pair two officials for a sector of a partnership. */
export interface CounterpartCreate {
  partnership_id: number;
  sector_id: number;
  kr_user_id: number;
  cn_user_id: number;
}

/** PATCH /counterparts/{id}: a new holder on either side (ends the pair, starts its successor). */
export type CounterpartUpdate = Partial<Pick<CounterpartCreate, 'kr_user_id' | 'cn_user_id'>>;

export interface GlossaryTerm {
  id: number;
  terms: Record<string, string>;
  note: string;
  sector_id: number | null;
  version: number;
}

/** POST /glossary: the term in at least two of the three languages (each at most 200 characters). */
export interface GlossaryTermCreate {
  terms: Translations;
  note: string;
  sector_id: number | null;
}

/** PATCH /glossary/{id}: `terms` replaces all three (at least two); `sector_id: null` takes it out of its sector. */
export type GlossaryTermUpdate = Partial<{ terms: Translations; note: string; sector_id: number | null }>;

export interface MeetingSeries extends Named {
  id: number;
  name_lang: string;
  translations: Record<string, string>;
  description: string;
  channel_id: number | null;
  partnership_ids: number[];
  created_by: number;
  version: number;
  created_at: IsoDateTime;
  updated_at: IsoDateTime;
}

export interface SeriesMeeting {
  id: number;
  title: string;
  translations: Record<string, string>;
  status: string;
  starts_at: IsoDateTime;
  timezone: string;
  year: number;
}

export interface SeriesYear {
  year: number;
  meetings: number;
  decisions: number;
}

export interface SeriesDecision {
  id: number;
  meeting_id: number;
  agenda_item_id: number | null;
  text: string;
  text_lang: string;
  translations: Record<string, string>;
  amendment: number;
  created_by: number;
  version: number;
  created_at: IsoDateTime;
}

export interface SeriesActionItem {
  id: number;
  meeting_id: number;
  agenda_item_id: number | null;
  decision_id: number | null;
  title: string;
  title_lang: string;
  translations: Record<string, string>;
  owner_id: number | null;
  organization_id: number | null;
  due_date: IsoDate | null;
  status: string;
  overdue: boolean;
  carried_over?: boolean;
  created_by: number;
  version: number;
}

export interface SeriesPage {
  series: MeetingSeries;
  years: SeriesYear[];
  meetings: SeriesMeeting[];
  decisions: SeriesDecision[];
  open_action_items: SeriesActionItem[];
}

export interface DashboardCityYear {
  city_id: number;
  city_name: string;
  translations: Record<string, string>;
  year: number;
  meetings: number;
}
export interface DashboardOrganization {
  organization_id: number | null;
  organization_name: string;
  open: number;
  overdue: number;
}
export interface DashboardChannelMonth {
  channel_id: number;
  channel_name: string;
  month: string; // "YYYY-MM" (UTC)
  messages: number;
}
export interface DashboardSector {
  sector_id: number;
  code: string;
  name: string;
  translations: Record<string, string>;
  partnerships: number;
}
export interface Dashboard {
  generated_at: IsoDateTime;
  months: number;
  meetings_per_partner_city_year: DashboardCityYear[];
  action_items_per_organization: DashboardOrganization[];
  activity_per_channel_month: DashboardChannelMonth[];
  partnerships_per_sector: DashboardSector[];
}

/** The name in `lang`: the original when it is in that language, else its translation. */
export function nameIn(o: Named | null | undefined, lang: Lang): string {
  if (!o) return '';
  if (o.name_lang === lang) return o.name;
  const tr = o.translations as Record<string, string> | undefined;
  return tr?.[lang] || o.name;
}

/** A text with `text`/`title` + `*_lang` + translations, in `lang`. */
export function textIn(text: string, textLang: string | undefined, translations: Record<string, string> | undefined, lang: Lang): string {
  if (textLang === lang) return text;
  return translations?.[lang] || text;
}

/** Every page of a list (the directory is small; `max` guards against a runaway cursor). */
export async function everyPage<T>(load: (cursor: string | null) => Promise<Page<T>>, max = 50): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < max; i++) {
    const page: Page<T> = await load(cursor);
    out.push(...page.items);
    if (!page.next_cursor) break;
    cursor = page.next_cursor;
  }
  return out;
}

export function directoryEndpoints(api: ApiClient) {
  const list = <T>(path: string, query: Record<string, string | number | boolean | null | undefined> = {}) =>
    everyPage<T>((cursor) => api.get<Page<T>>(path, { ...query, cursor, limit: 200 }));
  return {
    regions: (country?: Country) => list<Region>('/regions', { country }),
    cities: (country?: Country) => list<City>('/cities', { country }),
    partnerships: (cityId?: number) => list<Partnership>('/partnerships', { city_id: cityId }),
    sectors: () => list<Sector>('/sectors'),
    counterparts: (q: { partnership_id?: number; sector_id?: number; include_ended?: boolean } = {}) =>
      list<Counterpart>('/counterparts', q),
    counterpartHistory: (id: number) => list<Counterpart>(`/counterparts/${id}/history`),
    glossary: (q: string, sectorId?: number | null) =>
      api.get<Page<GlossaryTerm>>('/glossary', { q: q.trim() || undefined, sector_id: sectorId ?? undefined, limit: 200 }),
    users: () => list<User>('/users'),
    organizations: () => list<Organization>('/organizations'),
    region: (id: number) => api.get<Region>(`/regions/${id}`),
    city: (id: number) => api.get<City>(`/cities/${id}`),
    partnership: (id: number) => api.get<Partnership>(`/partnerships/${id}`),
    sector: (id: number) => api.get<Sector>(`/sectors/${id}`),
    glossaryTerm: (id: number) => api.get<GlossaryTerm>(`/glossary/${id}`),
    /** Creates carry an Idempotency-Key: a resend (after a timeout) returns the first answer, not a second entity. */
    createCity: (body: CityCreate, idempotencyKey: string) =>
      api.post<City>('/cities', body, { headers: { 'Idempotency-Key': idempotencyKey } }),
    /** Edits carry the version they were made on: 412 with the current state when it is stale. */
    changeCity: (id: number, version: number, body: CityUpdate) =>
      api.patch<City>(`/cities/${id}`, body, { headers: { 'If-Match': String(version) } }),
    createRegion: (body: RegionCreate, idempotencyKey: string) =>
      api.post<Region>('/regions', body, { headers: { 'Idempotency-Key': idempotencyKey } }),
    changeRegion: (id: number, version: number, body: RegionUpdate) =>
      api.patch<Region>(`/regions/${id}`, body, { headers: { 'If-Match': String(version) } }),
    createPartnership: (body: PartnershipCreate, idempotencyKey: string) =>
      api.post<Partnership>('/partnerships', body, { headers: { 'Idempotency-Key': idempotencyKey } }),
    changePartnership: (id: number, version: number, body: PartnershipUpdate) =>
      api.patch<Partnership>(`/partnerships/${id}`, body, { headers: { 'If-Match': String(version) } }),
    createSector: (body: SectorCreate, idempotencyKey: string) =>
      api.post<Sector>('/sectors', body, { headers: { 'Idempotency-Key': idempotencyKey } }),
    changeSector: (id: number, version: number, body: SectorUpdate) =>
      api.patch<Sector>(`/sectors/${id}`, body, { headers: { 'If-Match': String(version) } }),
    createGlossaryTerm: (body: GlossaryTermCreate, idempotencyKey: string) =>
      api.post<GlossaryTerm>('/glossary', body, { headers: { 'Idempotency-Key': idempotencyKey } }),
    changeGlossaryTerm: (id: number, version: number, body: GlossaryTermUpdate) =>
      api.patch<GlossaryTerm>(`/glossary/${id}`, body, { headers: { 'If-Match': String(version) } }),
    /** The Idempotency-Key makes a resend (after a timeout) return the first answer, not a second pair. */
    createCounterpart: (body: CounterpartCreate, idempotencyKey: string) =>
      api.post<Counterpart>('/counterparts', body, { headers: { 'Idempotency-Key': idempotencyKey } }),
    /** Answers the successor pair (a new id), or the same pair when nothing changed. */
    changeCounterpart: (id: number, version: number, body: CounterpartUpdate) =>
      api.patch<Counterpart>(`/counterparts/${id}`, body, { headers: { 'If-Match': String(version) } }),
    endCounterpart: (id: number, version: number) =>
      api.post<Counterpart>(`/counterparts/${id}/end`, undefined, { headers: { 'If-Match': String(version) } }),
    seriesList: () => list<MeetingSeries>('/meeting-series'),
    series: (id: number) => api.get<SeriesPage>(`/meeting-series/${id}`),
    dashboard: (months = 12) => api.get<Dashboard>('/dashboard', { months }),
  };
}

export type DirectoryEndpoints = ReturnType<typeof directoryEndpoints>;
