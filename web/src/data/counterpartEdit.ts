/**
 * Pure rules of the counterpart form on the directory screen (tested in
 * tests/counterpart-edit.test.ts): what a draft must hold, which body goes to the server, and
 * how the server's field errors land next to the fields. What every directory form shares
 * (diffs, missing fields, server errors) is in editForm.ts; who may write, in directoryEdit.ts.
 */
import type { Counterpart, CounterpartCreate, CounterpartUpdate, Partnership } from '../api/directory';
import type { Lang, Organization, User } from '../api/types';
import { changed, hasErrors, lastPartIn, missing, onTopOf, type DraftErrors as FormErrors } from './editForm';

export type CounterpartField = 'partnership_id' | 'sector_id' | 'kr_user_id' | 'cn_user_id';
export const COUNTERPART_FIELDS: readonly CounterpartField[] = ['partnership_id', 'sector_id', 'kr_user_id', 'cn_user_id'];

/** What the form holds: null until something is chosen. */
export type CounterpartDraft = Record<CounterpartField, number | null>;

/** Problems found before sending, as message keys; `form` is about the draft as a whole. */
export type DraftErrors = FormErrors<CounterpartField>;

export function emptyDraft(): CounterpartDraft {
  return { partnership_id: null, sector_id: null, kr_user_id: null, cn_user_id: null };
}

export function draftOf(c: Counterpart): CounterpartDraft {
  return { partnership_id: c.partnership_id, sector_id: c.sector_id, kr_user_id: c.kr_user_id, cn_user_id: c.cn_user_id };
}

/** A slot is one sector of one partnership; it has at most one current pair. */
export function slotKey(c: Pick<Counterpart, 'partnership_id' | 'sector_id'>): string {
  return `${c.partnership_id}:${c.sector_id}`;
}

/** Partnerships a new pair may be added to (the server refuses ended ones). */
export function openPartnerships(list: Partnership[], keep: number | null = null): Partnership[] {
  // `keep`: the one an open form has chosen stays offered, even if it ended meanwhile (a live
  // re-read must not change a draft under the user; the server refuses it on save).
  return list.filter((p) => p.status !== 'ended' || p.id === keep);
}

/** A new pair: every field chosen, and its slot not already held (the server would say 409). */
export function validateCreate(draft: CounterpartDraft, current: Counterpart[]): DraftErrors {
  const errors: DraftErrors = missing(draft, COUNTERPART_FIELDS, 'dir.edit.required');
  if (draft.partnership_id !== null && draft.sector_id !== null) {
    const key = slotKey({ partnership_id: draft.partnership_id, sector_id: draft.sector_id });
    if (current.some((c) => c.ended_at === null && slotKey(c) === key)) errors.sector_id = 'dir.edit.slotTaken';
  }
  return errors;
}

/** A change of holders: both sides chosen, and at least one of them different. */
export function validateChange(base: Counterpart, draft: CounterpartDraft): DraftErrors {
  const errors: DraftErrors = missing(draft, ['kr_user_id', 'cn_user_id'], 'dir.edit.required');
  if (!hasErrors(errors) && Object.keys(changedFields(base, draft)).length === 0) errors.form = 'dir.edit.unchanged';
  return errors;
}

/** The POST body; call after validateCreate found nothing. */
export function createBody(draft: CounterpartDraft): CounterpartCreate {
  const need = (f: CounterpartField): number => {
    const v = draft[f];
    if (v === null) throw new Error(`${f} is not chosen`);
    return v;
  };
  return { partnership_id: need('partnership_id'), sector_id: need('sector_id'), kr_user_id: need('kr_user_id'), cn_user_id: need('cn_user_id') };
}

/** The two holders of a pair: all a PATCH may change. */
function holders(c: Pick<Counterpart, 'kr_user_id' | 'cn_user_id'>): Required<CounterpartUpdate> {
  return { kr_user_id: c.kr_user_id, cn_user_id: c.cn_user_id };
}

/**
 * The PATCH body: only the holders that differ from `base`. Sending an unchanged side would be
 * harmless today, but after a conflict `base` is someone else's newer pair, and a side the user
 * did not touch must not undo their change.
 */
export function changedFields(base: Counterpart, draft: CounterpartDraft): CounterpartUpdate {
  return changed(holders(base), { kr_user_id: draft.kr_user_id ?? base.kr_user_id, cn_user_id: draft.cn_user_id ?? base.cn_user_id });
}

/**
 * What the user meant to change, relative to the pair the form was opened on: reapplied after
 * a conflict on top of the newer pair, so only the sides they touched move.
 */
export function intendedChange(opened: Counterpart, draft: CounterpartDraft, latest: Counterpart): CounterpartUpdate {
  return changed(holders(latest), onTopOf(holders(latest), changedFields(opened, draft)));
}

/** Where the server's field errors go on the form ("body.kr_user_id" counts as kr_user_id). */
export const counterpartFieldOf = lastPartIn(COUNTERPART_FIELDS);

/**
 * The people who may hold one side: active, not bots, of an organization of `country`, by
 * name. Without the organizations (not loaded, or refused) everyone active is offered and the
 * server decides. `keep` (the current holder) stays in the list whatever its state, so the
 * form shows who holds the post now.
 */
export function officialsOf(users: User[], orgs: Organization[] | undefined, country: 'KR' | 'CN', lang: Lang, keep: number | null | readonly (number | null)[] = null): User[] {
  const kept = new Set(Array.isArray(keep) ? keep : [keep]);
  const countryOf = orgs ? new Map(orgs.map((o) => [o.id, o.country])) : null;
  const c = new Intl.Collator(lang);
  const fits = (u: User) =>
    u.is_active && !u.is_bot && (countryOf === null || (u.organization_id !== null && countryOf.get(u.organization_id) === country));
  return users
    .filter((u) => kept.has(u.id) || fits(u))
    .sort((a, b) => c.compare(a.display_name || a.username, b.display_name || b.username) || a.id - b.id);
}

/**
 * Slots whose last pair ended without a successor ("the official left the post"), one row per
 * slot, most recently ended first. Pairs replaced by an edit are not listed: their slot still
 * has a current pair, whose history shows them.
 */
export function endedSlots(all: Counterpart[]): Counterpart[] {
  // Instants compared as times: the server may or may not write fractions of a second.
  const endedAt = (c: Counterpart) => (c.ended_at ? Date.parse(c.ended_at) : 0);
  const newer = (a: Counterpart, b: Counterpart) => endedAt(a) - endedAt(b) || a.id - b.id;
  const held = new Set(all.filter((c) => c.ended_at === null).map(slotKey));
  const last = new Map<string, Counterpart>();
  for (const c of all) {
    if (c.ended_at === null || held.has(slotKey(c))) continue;
    const seen = last.get(slotKey(c));
    if (!seen || newer(c, seen) > 0) last.set(slotKey(c), c);
  }
  return [...last.values()].sort((a, b) => newer(b, a));
}
