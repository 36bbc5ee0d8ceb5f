import { describe, expect, it } from 'vitest';
import { directoryEndpoints, type City, type Partnership, type Region, type Sector } from '../src/api/directory';
import {
  cityCreateBody,
  cityDraftOf,
  cityFieldOf,
  cityPatch,
  emptyCityDraft,
  emptyPartnershipDraft,
  emptyRegionDraft,
  emptySectorDraft,
  mayEditDirectory,
  nameBody,
  namesOf,
  partnershipCreateBody,
  partnershipDraftOf,
  partnershipFieldOf,
  partnershipPatch,
  regionCreateBody,
  regionDraftOf,
  regionFieldOf,
  regionKindsFor,
  regionKindsOf,
  regionPatch,
  regionWithCountry,
  sectorCreateBody,
  sectorDraftOf,
  sectorFieldOf,
  sectorPatch,
  validateCity,
  validatePartnership,
  validateRegion,
  validateSector,
  withCountry,
  type PartnershipDraft,
} from '../src/data/directoryEdit';
import { changed, conflictErrors, fieldErrors, missing, onTopOf, sameValue } from '../src/data/editForm';
import { apiWith, fakeFetch } from './helpers';

const city = (over: Partial<City> = {}): City => ({
  id: 5,
  name: '서울',
  name_lang: 'ko',
  translations: { 'zh-Hans': '首尔', en: 'Seoul' },
  country: 'KR',
  region_id: 1,
  version: 3,
  ...over,
});

const partnership = (over: Partial<Partnership> = {}): Partnership => ({
  id: 7,
  member_city_id: 5,
  partner_city_id: 9,
  kind: 'sister',
  signed_on: '1993-10-23',
  status: 'active',
  notes: 'Sister cities since 1993.',
  version: 2,
  ...over,
});

const region = (id: number, country: 'KR' | 'CN'): Region => ({ id, name: `r${id}`, name_lang: 'en', translations: {}, country, kind: 'province', version: 1 });
const sector = (code: string, over: Partial<Sector> = {}): Sector => ({ id: 1, code, name: '관광', name_lang: 'ko', translations: {}, version: 1, ...over });

describe('shared form rules', () => {
  it('lists the fields whose values differ, strings compared as the server stores them', () => {
    expect(changed({ a: 'x', b: 1, c: { en: 'A' } }, { a: ' x ', b: 2, c: { en: 'A' } })).toEqual({ b: 2 });
    expect(changed({ c: { en: 'A', ko: 'ㄱ' } }, { c: { ko: 'ㄱ', en: 'A' } })).toEqual({});
    expect(sameValue(null, '')).toBe(false);
  });

  it("lays the user's fields on a newer version, keeping the other fields' newer values", () => {
    expect(onTopOf({ kind: 'friendly', notes: 'theirs' }, { notes: 'mine' })).toEqual({ kind: 'friendly', notes: 'mine' });
  });

  it('marks empty required fields, spaces counting as empty', () => {
    expect(missing({ a: '  ', b: null, c: 'x' }, ['a', 'b', 'c'], 'dir.edit.required')).toEqual({ a: 'dir.edit.required', b: 'dir.edit.required' });
  });

  it('puts a 409 next to the field its code concerns, and nowhere for other codes', () => {
    expect(conflictErrors('city_exists', 'Taken.', { city_exists: 'name' })).toEqual([{ field: 'name', message: 'Taken.' }]);
    expect(conflictErrors('conflict', 'Taken.', { city_exists: 'name' })).toEqual([]);
  });
});

describe('who may edit', () => {
  it('offers editing to administrators who are people, as the server decides', () => {
    expect(mayEditDirectory({ role: 'admin', is_bot: false })).toBe(true);
    expect(mayEditDirectory({ role: 'member', is_bot: false })).toBe(false);
    expect(mayEditDirectory({ role: 'admin', is_bot: true })).toBe(false);
    expect(mayEditDirectory(undefined)).toBe(false);
  });
});

describe('names in three languages', () => {
  it('reads the original and the translations into one input per language', () => {
    expect(namesOf(city())).toEqual({ name_lang: 'ko', ko: '서울', 'zh-Hans': '首尔', en: 'Seoul' });
  });

  it('sends the original as the name and the other non-empty names as translations', () => {
    expect(nameBody({ name_lang: 'zh-Hans', ko: ' 베이징 ', 'zh-Hans': '北京', en: '' })).toEqual({
      name: '北京',
      name_lang: 'zh-Hans',
      translations: { ko: '베이징' },
    });
  });
});

describe('cities', () => {
  it('asks for the country and the name in its original language before adding', () => {
    expect(validateCity(emptyCityDraft(), null, [])).toEqual({ country: 'dir.edit.required', ko: 'dir.edit.nameRequired' });
    const cn = withCountry(emptyCityDraft(), 'CN', [], false);
    expect(cn.name_lang).toBe('zh-Hans'); // the country's own language, until the user picks one
    expect(validateCity({ ...cn, en: 'Qingdao' }, null, [])).toEqual({ 'zh-Hans': 'dir.edit.nameRequired' });
  });

  it('keeps a chosen original language and drops a region of the other country', () => {
    const regions = [region(1, 'KR'), region(2, 'CN')];
    const d = withCountry({ ...emptyCityDraft(), name_lang: 'en', region_id: 1 }, 'CN', regions, true);
    expect(d).toMatchObject({ country: 'CN', name_lang: 'en', region_id: null });
    expect(withCountry({ ...emptyCityDraft(), region_id: 1 }, 'KR', regions, false).region_id).toBe(1);
  });

  it('refuses a name already used in the same country and region (the server would say 409)', () => {
    const draft = { ...emptyCityDraft(), country: 'KR' as const, region_id: 1, ko: '서울' };
    expect(validateCity(draft, null, [city()])).toEqual({ ko: 'dir.edit.cityTaken' });
    expect(validateCity({ ...draft, region_id: 2 }, null, [city()])).toEqual({});
    // Editing the city itself does not collide with its own name.
    expect(validateCity({ ...cityDraftOf(city()), en: 'Seoul City' }, city(), [city()])).toEqual({});
  });

  it('builds the POST body with the names in three languages', () => {
    const draft = { ...withCountry(emptyCityDraft(), 'KR', [], false), region_id: 1, ko: '수원시', 'zh-Hans': '水原市', en: 'Suwon' };
    expect(cityCreateBody(draft)).toEqual({
      name: '수원시',
      name_lang: 'ko',
      translations: { 'zh-Hans': '水原市', en: 'Suwon' },
      country: 'KR',
      region_id: 1,
    });
  });

  it('PATCHes only what changed; the translations go whole when one of them changed', () => {
    const base = city();
    expect(cityPatch(base, { ...cityDraftOf(base), en: 'Seoul City' })).toEqual({ translations: { 'zh-Hans': '首尔', en: 'Seoul City' } });
    expect(cityPatch(base, { ...cityDraftOf(base), ko: '서울특별시' })).toEqual({ name: '서울특별시' });
    expect(cityPatch(base, { ...cityDraftOf(base), region_id: null })).toEqual({ region_id: null });
    expect(cityPatch(base, cityDraftOf(base))).toEqual({});
    expect(validateCity(cityDraftOf(base), base, [base])).toEqual({ form: 'dir.edit.nothingChanged' });
  });

  it('sends the name, its language and the translations when the original language changes', () => {
    const base = city();
    expect(cityPatch(base, { ...cityDraftOf(base), name_lang: 'en' })).toEqual({
      name: 'Seoul',
      name_lang: 'en',
      translations: { ko: '서울', 'zh-Hans': '首尔' },
    });
  });

  it('reapplies only the languages the user changed on top of a newer version', () => {
    const opened = city();
    const mine = changed(cityDraftOf(opened), { ...cityDraftOf(opened), en: 'Seoul City' });
    // Meanwhile someone else corrected the Chinese name.
    const latest = city({ version: 4, translations: { 'zh-Hans': '首尔市', en: 'Seoul' } });
    expect(cityPatch(latest, onTopOf(cityDraftOf(latest), mine))).toEqual({ translations: { 'zh-Hans': '首尔市', en: 'Seoul City' } });
    // Someone already made the same change: nothing is left to send.
    const same = city({ version: 4, translations: { 'zh-Hans': '首尔', en: 'Seoul City' } });
    expect(cityPatch(same, onTopOf(cityDraftOf(same), mine))).toEqual({});
  });

  it("puts the server's errors next to the name input they concern", () => {
    const out = fieldErrors(
      [
        { field: 'name', message: 'String should have at most 200 characters' },
        { field: 'translations.en', message: 'too long' },
        { field: 'body.region_id', message: 'The region is in CN, not KR.' },
        { field: 'translations.fr', message: 'Extra inputs are not permitted' },
      ],
      cityFieldOf('zh-Hans'),
    );
    expect(out.fields).toEqual({ 'zh-Hans': 'String should have at most 200 characters', en: 'too long', region_id: 'The region is in CN, not KR.' });
    expect(out.other).toEqual(['translations.fr: Extra inputs are not permitted']);
  });
});

describe('partnerships', () => {
  it('asks for both cities and the kind before adding', () => {
    expect(validatePartnership(emptyPartnershipDraft(), null, [])).toEqual({
      member_city_id: 'dir.edit.required',
      partner_city_id: 'dir.edit.required',
      kind: 'dir.edit.required',
    });
  });

  it('refuses a second partnership of two cities that has not ended, but allows one after an ended one', () => {
    const draft = { ...emptyPartnershipDraft(), member_city_id: 5, partner_city_id: 9, kind: 'friendly' as const };
    expect(validatePartnership(draft, null, [partnership()])).toEqual({ partner_city_id: 'dir.edit.partnershipTaken' });
    expect(validatePartnership(draft, null, [partnership({ status: 'ended' })])).toEqual({});
    expect(validatePartnership({ ...draft, status: 'ended' }, null, [partnership()])).toEqual({});
    // Reopening an ended one while another is open is refused likewise.
    const ended = partnership({ id: 8, status: 'ended' });
    expect(validatePartnership({ ...partnershipDraftOf(ended), status: 'active' }, ended, [ended, partnership()])).toEqual({ status: 'dir.edit.partnershipTaken' });
  });

  it('builds the POST body; no date is null', () => {
    const draft = { ...emptyPartnershipDraft(), member_city_id: 5, partner_city_id: 9, kind: 'friendly' as const, notes: ' MOU ' };
    expect(partnershipCreateBody(draft)).toEqual({ member_city_id: 5, partner_city_id: 9, kind: 'friendly', signed_on: null, status: 'active', notes: 'MOU' });
  });

  it('PATCHes only the fields that changed, and says so when nothing did', () => {
    const base = partnership();
    expect(partnershipPatch(base, { ...partnershipDraftOf(base), status: 'suspended' })).toEqual({ status: 'suspended' });
    expect(partnershipPatch(base, { ...partnershipDraftOf(base), signed_on: '' })).toEqual({ signed_on: null });
    expect(validatePartnership(partnershipDraftOf(base), base, [base])).toEqual({ form: 'dir.edit.nothingChanged' });
  });

  it("reapplies the user's status on top of someone else's newer notes without undoing them", () => {
    const opened = partnership();
    const mine = changed<PartnershipDraft>(partnershipDraftOf(opened), { ...partnershipDraftOf(opened), status: 'suspended' });
    const latest = partnership({ version: 3, notes: 'Renewed in 2023.' });
    const target = onTopOf(partnershipDraftOf(latest), mine);
    expect(target.notes).toBe('Renewed in 2023.');
    expect(partnershipPatch(latest, target)).toEqual({ status: 'suspended' });
  });

  it('puts field errors next to their fields', () => {
    expect(fieldErrors([{ field: 'partner_city_id', message: 'Seoul is in KR' }], partnershipFieldOf).fields).toEqual({ partner_city_id: 'Seoul is in KR' });
  });
});

describe('regions', () => {
  const gyeonggi = (over: Partial<Region> = {}): Region => ({
    id: 3,
    name: '경기도',
    name_lang: 'ko',
    translations: { 'zh-Hans': '京畿道', en: 'Gyeonggi Province' },
    country: 'KR',
    kind: 'province',
    version: 2,
    ...over,
  });

  it('PATCHes only what changed: the kind alone, or the translations whole', () => {
    const base = gyeonggi();
    expect(regionPatch(base, { ...regionDraftOf(base), kind: 'special_self_governing_province' })).toEqual({ kind: 'special_self_governing_province' });
    expect(regionPatch(base, { ...regionDraftOf(base), en: 'Gyeonggi-do' })).toEqual({ translations: { 'zh-Hans': '京畿道', en: 'Gyeonggi-do' } });
    expect(validateRegion(regionDraftOf(base), base, [base])).toEqual({ form: 'dir.edit.nothingChanged' });
  });

  it('needs the original name, used once per country (the server would say 409)', () => {
    const base = gyeonggi();
    const seoul = gyeonggi({ id: 4, name: '서울특별시' });
    const beijingInKorean = gyeonggi({ id: 5, name: '서울특별시', country: 'CN' });
    expect(validateRegion({ ...regionDraftOf(base), ko: ' ' }, base, [base])).toEqual({ ko: 'dir.edit.nameRequired' });
    expect(validateRegion({ ...regionDraftOf(base), ko: '서울특별시' }, base, [base, seoul])).toEqual({ ko: 'dir.edit.regionTaken' });
    expect(validateRegion({ ...regionDraftOf(base), ko: '서울특별시' }, base, [base, beijingInKorean])).toEqual({});
  });

  it("offers its country's kinds, and keeps a kind it has from elsewhere", () => {
    expect(regionKindsOf(gyeonggi())).toContain('special_self_governing_province');
    expect(regionKindsOf(gyeonggi())).not.toContain('municipality');
    expect(regionKindsOf(gyeonggi({ country: 'CN', kind: 'special_city' }))).toEqual(['province', 'municipality', 'autonomous_region', 'special_administrative_region', 'special_city']);
  });

  it("puts a 409 on the name next to the original's input", () => {
    expect(fieldErrors([{ field: 'name', message: 'already exists in this country' }], regionFieldOf('ko')).fields).toEqual({ ko: 'already exists in this country' });
  });

  it('asks a new region for its country, kind and original name before sending', () => {
    expect(validateRegion(emptyRegionDraft(), null, [])).toEqual({ country: 'dir.edit.required', kind: 'dir.edit.required', ko: 'dir.edit.nameRequired' });
    const draft = { ...regionWithCountry(emptyRegionDraft(), 'CN', false), kind: 'province' as const, 'zh-Hans': '江苏省' };
    expect(validateRegion(draft, null, [])).toEqual({});
  });

  it('refuses a new name already used in the same country only (the server would say 409)', () => {
    const draft = { ...regionWithCountry(emptyRegionDraft(), 'KR', false), kind: 'province' as const, ko: '경기도' };
    expect(validateRegion(draft, null, [gyeonggi()])).toEqual({ ko: 'dir.edit.regionTaken' });
    expect(validateRegion({ ...draft, ko: ' 경기도 ' }, null, [gyeonggi()])).toEqual({ ko: 'dir.edit.regionTaken' });
    expect(validateRegion(regionWithCountry(draft, 'CN', true), null, [gyeonggi()])).toEqual({});
  });

  it("follows the country: its language for the name unless one was chosen, and only its kinds", () => {
    const kr = { ...regionWithCountry(emptyRegionDraft(), 'KR', false), kind: 'special_city' as const };
    expect(kr).toMatchObject({ country: 'KR', name_lang: 'ko' });
    // China has no special city: the kind is dropped; a province stays one.
    expect(regionWithCountry(kr, 'CN', false)).toMatchObject({ country: 'CN', name_lang: 'zh-Hans', kind: null });
    expect(regionWithCountry({ ...kr, kind: 'province' }, 'CN', false).kind).toBe('province');
    expect(regionWithCountry({ ...kr, name_lang: 'en' }, 'CN', true).name_lang).toBe('en');
    expect(regionKindsFor(null)).toEqual([]);
    expect(regionKindsFor('CN')).toEqual(['province', 'municipality', 'autonomous_region', 'special_administrative_region']);
  });

  it('builds the POST body: trimmed names, the empty translations left out, country and kind', () => {
    const draft = { ...regionWithCountry(emptyRegionDraft(), 'CN', false), kind: 'province' as const, 'zh-Hans': ' 江苏省 ', ko: '장쑤성', en: '' };
    expect(regionCreateBody(draft)).toEqual({ name: '江苏省', name_lang: 'zh-Hans', translations: { ko: '장쑤성' }, country: 'CN', kind: 'province' });
    expect(() => regionCreateBody(emptyRegionDraft())).toThrow();
  });

  it('puts the server errors of a new region next to country, kind and names', () => {
    const out = fieldErrors(
      [
        { field: 'body.country', message: "Input should be 'KR' or 'CN'" },
        { field: 'body.kind', message: 'Input should be ...' },
        { field: 'body.translations.en', message: 'too long' },
      ],
      regionFieldOf('zh-Hans'),
    );
    expect(Object.keys(out.fields).sort()).toEqual(['country', 'en', 'kind']);
    expect(out.other).toEqual([]);
  });
});

describe('sectors', () => {
  it('asks for a code and the original name, in the language of the person adding it', () => {
    expect(validateSector(emptySectorDraft('en'), null, [])).toEqual({ code: 'dir.edit.fillIn', en: 'dir.edit.nameRequired' });
  });

  it('refuses a code another sector has; the form of the code is left to the server', () => {
    const draft = { ...emptySectorDraft('ko'), code: 'tourism', ko: '관광' };
    expect(validateSector(draft, null, [sector('tourism')])).toEqual({ code: 'dir.edit.codeTaken' });
    expect(validateSector({ ...draft, code: 'Sports-Exchange' }, null, [sector('tourism')])).toEqual({});
  });

  it('edits the names only: the code is never sent, and an unchanged form says so', () => {
    const base = sector('tourism', { translations: { 'zh-Hans': '旅游', en: 'Tourism' }, version: 3 });
    expect(validateSector(sectorDraftOf(base), base, [base])).toEqual({ form: 'dir.edit.nothingChanged' });
    expect(sectorPatch(base, { ...sectorDraftOf(base), code: 'travel', en: 'Travel' })).toEqual({ translations: { 'zh-Hans': '旅游', en: 'Travel' } });
    // Its own code is not "taken", and an edit needs the original name like an add.
    expect(validateSector({ ...sectorDraftOf(base), en: 'Travel' }, base, [base])).toEqual({});
    expect(validateSector({ ...sectorDraftOf(base), ko: '' }, base, [base])).toEqual({ ko: 'dir.edit.nameRequired' });
  });

  it('makes another language the original with the name, its language and the translations', () => {
    const base = sector('tourism', { translations: { 'zh-Hans': '旅游', en: 'Tourism' } });
    expect(sectorPatch(base, { ...sectorDraftOf(base), name_lang: 'en' })).toEqual({ name: 'Tourism', name_lang: 'en', translations: { ko: '관광', 'zh-Hans': '旅游' } });
  });

  it('builds the POST body and puts the server errors next to code and names', () => {
    const draft = { ...emptySectorDraft('ko'), code: ' sports ', ko: '체육', 'zh-Hans': '体育', en: 'Sports' };
    expect(sectorCreateBody(draft)).toEqual({ code: 'sports', name: '체육', name_lang: 'ko', translations: { 'zh-Hans': '体育', en: 'Sports' } });
    const out = fieldErrors([{ field: 'code', message: "String should match pattern '^[a-z][a-z0-9_]{1,39}$'" }, { field: 'name', message: 'too long' }], sectorFieldOf('ko'));
    expect(Object.keys(out.fields).sort()).toEqual(['code', 'ko']);
  });
});

describe('directory writes on the wire', () => {
  it('sends creates with an Idempotency-Key and edits with the version as If-Match', async () => {
    const { fetch, calls } = fakeFetch(() => ({}));
    const dir = directoryEndpoints(apiWith(fetch));
    await dir.createCity({ name: '수원시', name_lang: 'ko', translations: {}, country: 'KR', region_id: null }, 'k-city');
    await dir.changeCity(5, 3, { name: '서울특별시' });
    await dir.createPartnership({ member_city_id: 5, partner_city_id: 9, kind: 'sister', signed_on: null, status: 'active', notes: '' }, 'k-p');
    await dir.changePartnership(7, 2, { status: 'suspended' });
    await dir.createSector({ code: 'sports', name: '체육', name_lang: 'ko', translations: {} }, 'k-s');
    await dir.changeSector(1, 4, { translations: { en: 'Sports' } });
    await dir.changeRegion(3, 2, { kind: 'special_self_governing_province' });
    await dir.changeGlossaryTerm(11, 1, { sector_id: null });
    await dir.createRegion({ name: '江苏省', name_lang: 'zh-Hans', translations: {}, country: 'CN', kind: 'province' }, 'k-r');
    await dir.createGlossaryTerm({ terms: { ko: '교류', 'zh-Hans': '交流' }, note: '', sector_id: null }, 'k-g');
    expect(calls.map((c) => [c.method, c.url, c.headers['Idempotency-Key'] ?? c.headers['If-Match']])).toEqual([
      ['POST', '/api/v1/cities', 'k-city'],
      ['PATCH', '/api/v1/cities/5', '3'],
      ['POST', '/api/v1/partnerships', 'k-p'],
      ['PATCH', '/api/v1/partnerships/7', '2'],
      ['POST', '/api/v1/sectors', 'k-s'],
      ['PATCH', '/api/v1/sectors/1', '4'],
      ['PATCH', '/api/v1/regions/3', '2'],
      ['PATCH', '/api/v1/glossary/11', '1'],
      ['POST', '/api/v1/regions', 'k-r'],
      ['POST', '/api/v1/glossary', 'k-g'],
    ]);
    expect(calls[1].body).toEqual({ name: '서울특별시' });
    expect(calls[3].body).toEqual({ status: 'suspended' });
    expect(calls[5].body).toEqual({ translations: { en: 'Sports' } });
    expect(calls[7].body).toEqual({ sector_id: null });
  });
});
