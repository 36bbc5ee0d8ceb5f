/**
 * Pure rules of the administrators' forms for regions, cities, partnerships and sectors on the
 * directory screen (tested in tests/directory-edit.test.ts): who may write, what a draft must
 * hold, the POST bodies, and PATCH bodies holding only what changed. Built on editForm.ts, like
 * the counterpart and glossary rules (counterpartEdit.ts, glossaryEdit.ts).
 *
 * A name is edited as three inputs (one per language) plus the language it was written in;
 * the server keeps it as `name` in `name_lang` plus `translations` of the other two.
 */
import type {
  City,
  CityCreate,
  CityUpdate,
  Country,
  NameBody,
  Partnership,
  PartnershipCreate,
  PartnershipKind,
  PartnershipStatus,
  PartnershipUpdate,
  Region,
  RegionCreate,
  RegionKind,
  RegionUpdate,
  Sector,
  SectorCreate,
  SectorUpdate,
} from '../api/directory';
import type { Lang, User } from '../api/types';
import { changed, hasErrors, lastPartIn, missing, type DraftErrors } from './editForm';

/**
 * The server writes the directory for administrators only (server/directory/api.py:
 * AdminPrincipal = role "admin", not a bot), so the client offers editing to them alone.
 */
export function mayEditDirectory(user: Pick<User, 'role' | 'is_bot'> | null | undefined): boolean {
  return !!user && user.role === 'admin' && !user.is_bot;
}

export const NAME_LANGS: readonly Lang[] = ['ko', 'zh-Hans', 'en'];

/** The language a name is written in when nothing else is said: the country's own. */
export const COUNTRY_LANG: Record<Country, Lang> = { KR: 'ko', CN: 'zh-Hans' };

/** A name as the form holds it: one text per language, and which of them is the original. */
export type NameDraft = Record<Lang, string> & { name_lang: Lang };

function asLang(v: string, fallback: Lang): Lang {
  return (NAME_LANGS as readonly string[]).includes(v) ? (v as Lang) : fallback;
}

export function namesOf(o: { name: string; name_lang: string; translations: Record<string, string> }): NameDraft {
  const name_lang = asLang(o.name_lang, 'ko');
  const text = (l: Lang) => (l === name_lang ? o.name : o.translations[l] ?? '');
  return { name_lang, ko: text('ko'), 'zh-Hans': text('zh-Hans'), en: text('en') };
}

export function emptyNames(name_lang: Lang): NameDraft {
  return { name_lang, ko: '', 'zh-Hans': '', en: '' };
}

/** The name as the server takes it: trimmed; empty translations left out. */
export function nameBody(d: NameDraft): NameBody {
  const translations: NameBody['translations'] = {};
  for (const l of NAME_LANGS) if (l !== d.name_lang && d[l].trim()) translations[l] = d[l].trim();
  return { name: d[d.name_lang].trim(), name_lang: d.name_lang, translations };
}

/** The original is the one name that must be there. */
function nameMissing(d: NameDraft): DraftErrors<Lang> {
  return d[d.name_lang].trim() ? {} : { [d.name_lang]: 'dir.edit.nameRequired' };
}

/**
 * Where the server's errors about a name go: `name` is the original's input, `translations.en`
 * the English one; other fields keep their names.
 */
export function nameFieldOf<F extends string>(nameLang: Lang, fields: readonly F[]): (path: string) => F | undefined {
  const plain = lastPartIn(fields);
  return (path) => {
    if (path === 'name') return nameLang as F;
    const [head, lang] = path.split('.');
    if (head === 'translations' && lang && (NAME_LANGS as readonly string[]).includes(lang)) return lang as F;
    return plain(path);
  };
}

// ---- regions -----------------------------------------------------------------------------

export type RegionField = 'country' | 'kind' | 'name_lang' | Lang;
/** In the order the forms show them (the first with an error takes focus; only an add has a country). */
export const REGION_FIELDS: readonly RegionField[] = ['country', 'ko', 'zh-Hans', 'en', 'name_lang', 'kind'];

/** The kinds of region of each country (server/directory/models.py: RegionKind). */
export const REGION_KINDS: Record<Country, readonly RegionKind[]> = {
  KR: ['special_city', 'metropolitan_city', 'special_self_governing_city', 'province', 'special_self_governing_province'],
  CN: ['province', 'municipality', 'autonomous_region', 'special_administrative_region'],
};

/** Country and kind are null until chosen (a new region); an edited one has both. */
export interface RegionDraft extends NameDraft {
  country: Country | null;
  kind: RegionKind | null;
}

export function regionDraftOf(r: Region): RegionDraft {
  return { ...namesOf(r), country: r.country, kind: r.kind };
}

export function emptyRegionDraft(): RegionDraft {
  return { ...emptyNames('ko'), country: null, kind: null };
}

/** The kinds offered: the country's (none before one is chosen), and `kind` if it is another. */
export function regionKindsFor(country: Country | null, kind: RegionKind | null = null): readonly RegionKind[] {
  const kinds = country ? REGION_KINDS[country] ?? [] : [];
  return kind === null || kinds.includes(kind) ? kinds : [...kinds, kind];
}

/** The kinds offered for a region: its country's, and the one it has if that is another. */
export function regionKindsOf(r: Region): readonly RegionKind[] {
  return regionKindsFor(r.country, r.kind);
}

/**
 * A new region's country was chosen: its language becomes the original unless the user chose
 * one, and a kind the country does not have is dropped (a province stays one).
 */
export function regionWithCountry(d: RegionDraft, country: Country | null, langChosen: boolean): RegionDraft {
  return {
    ...d,
    country,
    name_lang: country && !langChosen ? COUNTRY_LANG[country] : d.name_lang,
    kind: d.kind && regionKindsFor(country).includes(d.kind) ? d.kind : null,
  };
}

function regionWire(d: RegionDraft): Required<RegionUpdate> {
  if (!d.kind) throw new Error('kind is not chosen');
  return { ...nameBody(d), kind: d.kind };
}

/** The PATCH body: only what differs (the translations go whole, as for cities). */
export function regionPatch(base: Region, target: RegionDraft): RegionUpdate {
  return changed(regionWire(regionDraftOf(base)), regionWire(target));
}

/**
 * A new region (`base` null) needs its country and kind; every region its original name, used
 * once per country (the server would say 409). An edit must change something.
 */
export function validateRegion(draft: RegionDraft, base: Region | null, regions: Region[]): DraftErrors<RegionField> {
  const errors: DraftErrors<RegionField> = { ...(base ? {} : missing(draft, ['country', 'kind'], 'dir.edit.required')), ...nameMissing(draft) };
  const country = base?.country ?? draft.country;
  const name = draft[draft.name_lang].trim();
  if (name && country && regions.some((r) => r.id !== base?.id && r.country === country && r.name === name)) errors[draft.name_lang] = 'dir.edit.regionTaken';
  if (base && !hasErrors(errors) && Object.keys(regionPatch(base, draft)).length === 0) errors.form = 'dir.edit.nothingChanged';
  return errors;
}

/** The POST body; call after validateRegion found nothing. */
export function regionCreateBody(d: RegionDraft): RegionCreate {
  if (!d.country) throw new Error('country is not chosen');
  return { ...regionWire(d), country: d.country };
}

export function regionFieldOf(nameLang: Lang): (path: string) => RegionField | undefined {
  return nameFieldOf(nameLang, REGION_FIELDS);
}

// ---- cities ------------------------------------------------------------------------------

export type CityField = 'country' | 'region_id' | 'name_lang' | Lang;
/** In the order the form shows them (the first with an error takes focus). */
export const CITY_FIELDS: readonly CityField[] = ['country', 'region_id', 'ko', 'zh-Hans', 'en', 'name_lang'];

export interface CityDraft extends NameDraft {
  country: Country | null;
  region_id: number | null;
}

export function cityDraftOf(c: City): CityDraft {
  return { ...namesOf(c), country: c.country, region_id: c.region_id };
}

export function emptyCityDraft(): CityDraft {
  return { ...emptyNames('ko'), country: null, region_id: null };
}

/**
 * A new city's country was chosen: its language becomes the original unless the user chose
 * one, and a region of the other country is dropped.
 */
export function withCountry(d: CityDraft, country: Country | null, regions: Region[], langChosen: boolean): CityDraft {
  const region = regions.find((r) => r.id === d.region_id);
  return {
    ...d,
    country,
    name_lang: country && !langChosen ? COUNTRY_LANG[country] : d.name_lang,
    region_id: region && region.country === country ? d.region_id : null,
  };
}

/** Regions a city of `country` may be in. */
export function regionsOf(regions: Region[], country: Country | null): Region[] {
  return country ? regions.filter((r) => r.country === country) : [];
}

/** What the server stores of a city draft, to compare and to send. */
function cityWire(d: CityDraft): Required<CityUpdate> {
  return { ...nameBody(d), region_id: d.region_id };
}

/**
 * A new city (`base` null) needs its country and its original name; a name may be used once
 * per country and region (the server would say 409). An edit must change something.
 */
export function validateCity(draft: CityDraft, base: City | null, cities: City[]): DraftErrors<CityField> {
  const errors: DraftErrors<CityField> = { ...(base ? {} : missing(draft, ['country'], 'dir.edit.required')), ...nameMissing(draft) };
  const name = draft[draft.name_lang].trim();
  const taken = cities.some((c) => c.id !== base?.id && c.country === draft.country && c.region_id === draft.region_id && c.name === name);
  if (name && draft.country && taken) errors[draft.name_lang] = 'dir.edit.cityTaken';
  if (base && !hasErrors(errors) && Object.keys(cityPatch(base, draft)).length === 0) errors.form = 'dir.edit.nothingChanged';
  return errors;
}

/** The POST body; call after validateCity found nothing. */
export function cityCreateBody(d: CityDraft): CityCreate {
  if (!d.country) throw new Error('country is not chosen');
  return { ...cityWire(d), country: d.country };
}

/**
 * The PATCH body: only what differs from `base`. The server replaces all translations when
 * they are sent, so they go whole, as the draft has them, whenever one of them changed.
 */
export function cityPatch(base: City, target: CityDraft): CityUpdate {
  return changed(cityWire(cityDraftOf(base)), cityWire(target));
}

/** Where the server's field errors go on the city form (the name: its original's input). */
export function cityFieldOf(nameLang: Lang): (path: string) => CityField | undefined {
  return nameFieldOf(nameLang, CITY_FIELDS);
}

// ---- partnerships ------------------------------------------------------------------------

export type PartnershipField = 'member_city_id' | 'partner_city_id' | 'kind' | 'signed_on' | 'status' | 'notes';
export const PARTNERSHIP_FIELDS: readonly PartnershipField[] = ['member_city_id', 'partner_city_id', 'kind', 'signed_on', 'status', 'notes'];
export const PARTNERSHIP_KINDS: readonly PartnershipKind[] = ['sister', 'friendly'];
export const PARTNERSHIP_STATUSES: readonly PartnershipStatus[] = ['active', 'suspended', 'ended'];

/** Cities are null until chosen; the date is "" when not recorded. */
export interface PartnershipDraft {
  member_city_id: number | null;
  partner_city_id: number | null;
  kind: PartnershipKind | null;
  signed_on: string;
  status: PartnershipStatus;
  notes: string;
}

export function partnershipDraftOf(p: Partnership): PartnershipDraft {
  return { member_city_id: p.member_city_id, partner_city_id: p.partner_city_id, kind: p.kind, signed_on: p.signed_on ?? '', status: p.status, notes: p.notes };
}

export function emptyPartnershipDraft(): PartnershipDraft {
  return { member_city_id: null, partner_city_id: null, kind: null, signed_on: '', status: 'active', notes: '' };
}

function partnershipWire(d: PartnershipDraft): Required<PartnershipUpdate> {
  if (!d.kind) throw new Error('kind is not chosen');
  return { kind: d.kind, signed_on: d.signed_on || null, status: d.status, notes: d.notes.trim() };
}

/** Cities that may stand on one side: the member city is Korean, the partner Chinese. */
export function citiesOf(cities: City[], country: Country): City[] {
  return cities.filter((c) => c.country === country);
}

/** Another partnership of the same two cities that has not ended (the server allows one). */
function openTwin(d: PartnershipDraft, list: Partnership[], exclude: number | null): Partnership | undefined {
  return list.find((p) => p.id !== exclude && p.member_city_id === d.member_city_id && p.partner_city_id === d.partner_city_id && p.status !== 'ended');
}

/**
 * A new partnership needs both cities and its kind, and two cities have at most one partnership
 * that has not ended; reopening an ended one is refused likewise. An edit must change something.
 */
export function validatePartnership(draft: PartnershipDraft, base: Partnership | null, list: Partnership[]): DraftErrors<PartnershipField> {
  const errors: DraftErrors<PartnershipField> = missing(draft, base ? ['kind'] : ['member_city_id', 'partner_city_id', 'kind'], 'dir.edit.required');
  if (hasErrors(errors)) return errors;
  const reopens = base ? base.status === 'ended' : true;
  if (draft.status !== 'ended' && reopens && openTwin(draft, list, base?.id ?? null)) errors[base ? 'status' : 'partner_city_id'] = 'dir.edit.partnershipTaken';
  if (base && !hasErrors(errors) && Object.keys(partnershipPatch(base, draft)).length === 0) errors.form = 'dir.edit.nothingChanged';
  return errors;
}

/** The POST body; call after validatePartnership found nothing. */
export function partnershipCreateBody(d: PartnershipDraft): PartnershipCreate {
  if (d.member_city_id === null || d.partner_city_id === null) throw new Error('a city is not chosen');
  return { member_city_id: d.member_city_id, partner_city_id: d.partner_city_id, ...partnershipWire(d) };
}

/** The PATCH body: only the fields that differ from `base` (a cleared date is null). */
export function partnershipPatch(base: Partnership, target: PartnershipDraft): PartnershipUpdate {
  return changed(partnershipWire(partnershipDraftOf(base)), partnershipWire(target));
}

export const partnershipFieldOf = lastPartIn(PARTNERSHIP_FIELDS);

// ---- sectors -----------------------------------------------------------------------------

export type SectorField = 'code' | 'name_lang' | Lang;
export const SECTOR_FIELDS: readonly SectorField[] = ['code', 'ko', 'zh-Hans', 'en', 'name_lang'];

export interface SectorDraft extends NameDraft {
  code: string;
}

/** A new sector's name starts in the administrator's language. */
export function emptySectorDraft(lang: Lang): SectorDraft {
  return { ...emptyNames(lang), code: '' };
}

export function sectorDraftOf(s: Sector): SectorDraft {
  return { ...namesOf(s), code: s.code };
}

/** The PATCH body: the names that differ (the code is never sent: it does not change). */
export function sectorPatch(base: Sector, target: SectorDraft): SectorUpdate {
  return changed(nameBody(sectorDraftOf(base)), nameBody(target));
}

/**
 * A new sector (`base` null) needs a code, used once (the server would say 409); the code's
 * form (lowercase letters, digits, "_") is the server's rule: its message is shown. Every
 * sector needs its original name, and an edit must change something.
 */
export function validateSector(draft: SectorDraft, base: Sector | null, sectors: Sector[]): DraftErrors<SectorField> {
  const errors: DraftErrors<SectorField> = { ...(base ? {} : missing(draft, ['code'], 'dir.edit.fillIn')), ...nameMissing(draft) };
  if (!base && !errors.code && sectors.some((s) => s.code === draft.code.trim())) errors.code = 'dir.edit.codeTaken';
  if (base && !hasErrors(errors) && Object.keys(sectorPatch(base, draft)).length === 0) errors.form = 'dir.edit.nothingChanged';
  return errors;
}

export function sectorCreateBody(d: SectorDraft): SectorCreate {
  return { code: d.code.trim(), ...nameBody(d) };
}

export function sectorFieldOf(nameLang: Lang): (path: string) => SectorField | undefined {
  return nameFieldOf(nameLang, SECTOR_FIELDS);
}
