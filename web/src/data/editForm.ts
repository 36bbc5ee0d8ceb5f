/**
 * Rules every administrator's form on the directory screen shares (tested in
 * tests/directory-edit.test.ts and tests/counterpart-edit.test.ts): what is still missing,
 * which fields changed (the PATCH bodies send only those), how a change is laid again on a newer
 * version after a 412, and how the server's problem+json field errors land next to the fields.
 * Forms hold flat drafts (one key per input), so one diff serves every kind of entity.
 */
import type { FieldError } from '../api/types';
import type { MessageKey } from '../i18n';

/** Problems found before sending, as message keys; `form` is about the draft as a whole. */
export type DraftErrors<F extends string> = Partial<Record<F | 'form', MessageKey>>;

export function hasErrors(errors: DraftErrors<string>): boolean {
  return Object.keys(errors).length > 0;
}

/** Empty means nothing chosen (null) or nothing but spaces typed. */
export function isBlank(v: unknown): boolean {
  return v === null || v === undefined || (typeof v === 'string' && v.trim() === '');
}

/** The required fields that are still empty, each marked with `message`. */
export function missing<F extends string>(draft: Record<F, unknown>, fields: readonly F[], message: MessageKey): DraftErrors<F> {
  const errors: DraftErrors<F> = {};
  for (const f of fields) if (isBlank(draft[f])) errors[f] = message;
  return errors;
}

/** Equal as the server would store them: strings trimmed, objects by their JSON. */
export function sameValue(a: unknown, b: unknown): boolean {
  const norm = (v: unknown) => (typeof v === 'string' ? v.trim() : v);
  const x = norm(a);
  const y = norm(b);
  if (x === y) return true;
  if (x === null || y === null || typeof x !== 'object' || typeof y !== 'object') return false;
  return JSON.stringify(sortKeys(x)) === JSON.stringify(sortKeys(y));
}

function sortKeys(o: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
}

/** The keys of `next` (of `keys`, or all) whose values differ from `base`, with next's values. */
export function changed<S extends object>(base: S, next: S, keys: readonly (keyof S)[] = Object.keys(next) as (keyof S)[]): Partial<S> {
  const out: Partial<S> = {};
  for (const k of keys) if (!sameValue(base[k], next[k])) out[k] = next[k];
  return out;
}

/**
 * The user's change laid on a newer version: the fields they changed take their values, every
 * other field keeps the newer version's, so someone else's change to a field the user did not
 * touch is never undone.
 */
export function onTopOf<S extends object>(latest: S, mine: Partial<S>): S {
  return { ...latest, ...mine };
}

export interface ServerErrors<F extends string> {
  /** Messages the server gave for a field of the form, shown next to that field. */
  fields: Partial<Record<F, string>>;
  /** The rest ("field: message"), shown with the problem's detail. */
  other: string[];
}

/**
 * Sorts problem+json `errors` onto the form's fields. `fieldOf` gets the field's path as the
 * server names it ("region_id", "translations.zh-Hans"; a leading "body." is dropped) and
 * answers the form field it concerns, or undefined.
 */
export function fieldErrors<F extends string>(errors: FieldError[], fieldOf: (path: string) => F | undefined): ServerErrors<F> {
  const out: ServerErrors<F> = { fields: {}, other: [] };
  for (const e of errors) {
    const path = e.field.replace(/^body\./, '');
    const f = path ? fieldOf(path) : undefined;
    if (f !== undefined) out.fields[f] = out.fields[f] ? `${out.fields[f]} ${e.message}` : e.message;
    else out.other.push(e.field ? `${e.field}: ${e.message}` : e.message);
  }
  return out;
}

/** A `fieldOf` for forms whose fields are named as the server names them (the last part counts). */
export function lastPartIn<F extends string>(fields: readonly F[]): (path: string) => F | undefined {
  return (path) => {
    const name = path.split('.').pop() ?? '';
    return (fields as readonly string[]).includes(name) ? (name as F) : undefined;
  };
}

/**
 * For a 409 that names no field (`partnership_exists`, or a server before fields were named
 * on 409s), the code still says which one it is about (`city_exists`: the name): the detail
 * then goes next to that field (given as the server would name it) as well.
 */
export function conflictErrors(code: string, detail: string, codeFields: Partial<Record<string, string>>): FieldError[] {
  const field = codeFields[code];
  return field ? [{ field, message: detail }] : [];
}
