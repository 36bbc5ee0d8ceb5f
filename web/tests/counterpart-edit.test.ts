import { describe, expect, it } from 'vitest';
import { directoryEndpoints, type Counterpart, type Partnership } from '../src/api/directory';
import type { Organization, User } from '../src/api/types';
import {
  changedFields,
  counterpartFieldOf,
  createBody,
  draftOf,
  emptyDraft,
  endedSlots,
  intendedChange,
  officialsOf,
  openPartnerships,
  validateChange,
  validateCreate,
} from '../src/data/counterpartEdit';
import { mayEditDirectory } from '../src/data/directoryEdit';
import { fieldErrors, hasErrors } from '../src/data/editForm';
import { apiWith, fakeFetch } from './helpers';

const pair = (over: Partial<Counterpart> = {}): Counterpart => ({
  id: 1,
  partnership_id: 7,
  sector_id: 3,
  kr_user_id: 10,
  cn_user_id: 20,
  started_at: '2026-01-01T00:00:00Z',
  ended_at: null,
  previous_id: null,
  version: 1,
  ...over,
});

const user = (id: number, display_name: string, organization_id: number | null, over: Partial<User> = {}): User => ({
  id,
  username: `u${id}`,
  display_name,
  locale: 'en',
  timezone: 'UTC',
  organization_id,
  role: 'member',
  is_bot: false,
  is_active: true,
  version: 1,
  ...over,
});
const org = (id: number, country: 'KR' | 'CN'): Organization => ({
  id, name: `org${id}`, name_lang: 'en', translations: {}, country, city: '', is_active: true, version: 1,
});

describe('who may edit', () => {
  it('offers editing to administrators who are people, as the server decides', () => {
    expect(mayEditDirectory({ role: 'admin', is_bot: false })).toBe(true);
    expect(mayEditDirectory({ role: 'member', is_bot: false })).toBe(false);
    expect(mayEditDirectory({ role: 'admin', is_bot: true })).toBe(false);
    expect(mayEditDirectory(null)).toBe(false);
  });
});

describe('validating a new pair', () => {
  it('asks for every field', () => {
    const errors = validateCreate(emptyDraft(), []);
    expect(errors).toEqual({
      partnership_id: 'dir.edit.required',
      sector_id: 'dir.edit.required',
      kr_user_id: 'dir.edit.required',
      cn_user_id: 'dir.edit.required',
    });
  });

  it('refuses a slot that already has a current pair, but not one whose pair ended', () => {
    const draft = { partnership_id: 7, sector_id: 3, kr_user_id: 11, cn_user_id: 21 };
    expect(validateCreate(draft, [pair()])).toEqual({ sector_id: 'dir.edit.slotTaken' });
    expect(validateCreate(draft, [pair({ ended_at: '2026-02-01T00:00:00Z' })])).toEqual({});
    expect(validateCreate({ ...draft, sector_id: 4 }, [pair()])).toEqual({});
  });

  it('builds the POST body from a complete draft', () => {
    const draft = { partnership_id: 7, sector_id: 4, kr_user_id: 11, cn_user_id: 21 };
    expect(createBody(draft)).toEqual(draft);
    expect(() => createBody({ ...draft, cn_user_id: null })).toThrow();
  });

  it('offers only partnerships that have not ended', () => {
    const p = (id: number, status: Partnership['status']): Partnership => ({
      id, member_city_id: 1, partner_city_id: 2, kind: 'sister', signed_on: null, status, notes: '', version: 1,
    });
    expect(openPartnerships([p(1, 'active'), p(2, 'ended'), p(3, 'suspended')]).map((x) => x.id)).toEqual([1, 3]);
  });

  it('keeps the partnership a form chose when it ends meanwhile (a live re-read)', () => {
    const p = (id: number, status: Partnership['status']): Partnership => ({
      id, member_city_id: 1, partner_city_id: 2, kind: 'sister', signed_on: null, status, notes: '', version: 1,
    });
    expect(openPartnerships([p(1, 'active'), p(2, 'ended')], 2).map((x) => x.id)).toEqual([1, 2]);
    expect(openPartnerships([p(1, 'active'), p(2, 'ended')], null).map((x) => x.id)).toEqual([1]);
  });
});

describe('changing holders', () => {
  it('sends only the side that changed', () => {
    const base = pair();
    expect(changedFields(base, { ...draftOf(base), cn_user_id: 21 })).toEqual({ cn_user_id: 21 });
    expect(changedFields(base, { ...draftOf(base), kr_user_id: 11, cn_user_id: 21 })).toEqual({ kr_user_id: 11, cn_user_id: 21 });
    expect(changedFields(base, draftOf(base))).toEqual({});
  });

  it('says so when nothing changed, and asks for both sides', () => {
    const base = pair();
    expect(validateChange(base, draftOf(base))).toEqual({ form: 'dir.edit.unchanged' });
    expect(validateChange(base, { ...draftOf(base), kr_user_id: null })).toEqual({ kr_user_id: 'dir.edit.required' });
    expect(hasErrors(validateChange(base, { ...draftOf(base), kr_user_id: 11 }))).toBe(false);
  });

  it('reapplies only what the user changed on top of a newer pair', () => {
    const opened = pair();
    const draft = { ...draftOf(opened), kr_user_id: 11 }; // the user changed the Korean side
    const latest = pair({ id: 2, version: 1, cn_user_id: 22, previous_id: 1 }); // someone changed the Chinese side
    // The other side's newer holder stays: it is not in the body.
    expect(intendedChange(opened, draft, latest)).toEqual({ kr_user_id: 11 });
    // Someone already made the same change: nothing is left to send.
    expect(intendedChange(opened, draft, pair({ id: 2, kr_user_id: 11 }))).toEqual({});
  });
});

describe('server errors', () => {
  it('puts field messages next to their fields and keeps the rest', () => {
    const out = fieldErrors([
      { field: 'kr_user_id', message: 'User 11 is not an active official.' },
      { field: 'body.cn_user_id', message: 'Input should be a valid integer' },
      { field: 'extra', message: 'Extra inputs are not permitted' },
      { field: '', message: 'Bad body' },
    ], counterpartFieldOf);
    expect(out.fields).toEqual({ kr_user_id: 'User 11 is not an active official.', cn_user_id: 'Input should be a valid integer' });
    expect(out.other).toEqual(['extra: Extra inputs are not permitted', 'Bad body']);
  });
});

describe('officials offered for a side', () => {
  const orgs = [org(1, 'KR'), org(2, 'CN')];
  const users = [
    user(12, '이준호', 1),
    user(11, '김지현', 1),
    user(21, '王芳', 2),
    user(13, 'Gone', 1, { is_active: false }),
    user(14, 'Bot', 1, { is_bot: true }),
    user(15, 'Nobody', null),
  ];

  it('lists active people of organizations of that country, by name', () => {
    expect(officialsOf(users, orgs, 'KR', 'ko').map((u) => u.id)).toEqual([11, 12]);
    expect(officialsOf(users, orgs, 'CN', 'ko').map((u) => u.id)).toEqual([21]);
  });

  it('keeps the current holder even when they no longer fit', () => {
    expect(officialsOf(users, orgs, 'KR', 'ko', 13).map((u) => u.id)).toContain(13);
  });

  it("keeps both the holder and the draft's choice (closed meanwhile, read again live)", () => {
    const ids = officialsOf(users, orgs, 'KR', 'ko', [13, 14]).map((u) => u.id);
    expect(ids).toContain(13);
    expect(ids).toContain(14);
    expect(officialsOf(users, orgs, 'KR', 'ko', [null, null]).map((u) => u.id)).toEqual([11, 12]);
  });

  it('offers every active person when the organizations are unknown (the server decides)', () => {
    expect(officialsOf(users, undefined, 'KR', 'en').map((u) => u.id).sort()).toEqual([11, 12, 15, 21]);
  });
});

describe('ended slots', () => {
  it('lists the last pair of slots that nobody holds now, most recently ended first', () => {
    const rows = [
      // slot 7:3 was changed once (1 -> 2) and is still held: not listed
      pair({ id: 1, ended_at: '2026-02-01T00:00:00Z' }),
      pair({ id: 2, previous_id: 1 }),
      // slot 7:4 was changed, then ended: only its last pair
      pair({ id: 3, sector_id: 4, ended_at: '2026-02-01T00:00:00Z' }),
      pair({ id: 4, sector_id: 4, previous_id: 3, ended_at: '2026-03-01T00:00:00.250000Z' }),
      // slot 7:5 ended later, written without fractions of a second
      pair({ id: 5, sector_id: 5, ended_at: '2026-03-01T00:00:01Z' }),
    ];
    expect(endedSlots(rows).map((c) => c.id)).toEqual([5, 4]);
  });
});

describe('counterpart writes on the wire', () => {
  it('sends the version as If-Match, an Idempotency-Key on create, and no body on end', async () => {
    const { fetch, calls } = fakeFetch(() => pair());
    const dir = directoryEndpoints(apiWith(fetch));
    await dir.changeCounterpart(1, 3, { cn_user_id: 21 });
    await dir.createCounterpart({ partnership_id: 7, sector_id: 4, kr_user_id: 11, cn_user_id: 21 }, 'key-1');
    await dir.endCounterpart(1, 4);
    expect(calls.map((c) => [c.method, c.url])).toEqual([
      ['PATCH', '/api/v1/counterparts/1'],
      ['POST', '/api/v1/counterparts'],
      ['POST', '/api/v1/counterparts/1/end'],
    ]);
    expect(calls[0].headers['If-Match']).toBe('3');
    expect(calls[0].body).toEqual({ cn_user_id: 21 });
    expect(calls[1].headers['Idempotency-Key']).toBe('key-1');
    expect(calls[2].headers['If-Match']).toBe('4');
    expect(calls[2].body).toBeUndefined();
  });
});
