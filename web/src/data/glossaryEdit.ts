/**
 * Pure rules of the administrators' glossary form on the directory screen (tested in
 * tests/glossary-edit.test.ts): a term in Korean, Chinese and English (at least two of them),
 * a note and a sector, added or edited. Built on editForm.ts, like the other directory forms.
 */
import type { GlossaryTerm, GlossaryTermCreate, GlossaryTermUpdate } from '../api/directory';
import type { Lang, Translations } from '../api/types';
import { NAME_LANGS } from './directoryEdit';
import { changed, hasErrors, isBlank, lastPartIn, type DraftErrors } from './editForm';

export type GlossaryField = Lang | 'sector_id' | 'note';
/** In the order the form shows them (the first with an error takes focus). */
export const GLOSSARY_FIELDS: readonly GlossaryField[] = ['ko', 'zh-Hans', 'en', 'sector_id', 'note'];

/** How many languages a term needs (the server says 422 glossary_needs_two_languages). */
export const TERM_LANGS_NEEDED = 2;

/** One input per language ("" when the term has none in it); the sector is null when none. */
export type GlossaryDraft = Record<Lang, string> & { sector_id: number | null; note: string };

export function glossaryDraftOf(term: GlossaryTerm): GlossaryDraft {
  const text = (l: Lang) => term.terms[l] ?? '';
  return { ko: text('ko'), 'zh-Hans': text('zh-Hans'), en: text('en'), sector_id: term.sector_id, note: term.note };
}

export function emptyGlossaryDraft(): GlossaryDraft {
  return { ko: '', 'zh-Hans': '', en: '', sector_id: null, note: '' };
}

/** What the server stores of a draft: trimmed terms, the empty ones left out. */
function glossaryWire(d: GlossaryDraft): Required<GlossaryTermUpdate> {
  const terms: Translations = {};
  for (const l of NAME_LANGS) if (d[l].trim()) terms[l] = d[l].trim();
  return { terms, note: d.note.trim(), sector_id: d.sector_id };
}

/**
 * The PATCH body: only what differs from `base`. The server replaces all three terms when they
 * are sent, so they go whole whenever one of them changed.
 */
export function glossaryPatch(base: GlossaryTerm, target: GlossaryDraft): GlossaryTermUpdate {
  return changed(glossaryWire(glossaryDraftOf(base)), glossaryWire(target));
}

/**
 * The term in at least two languages (each empty one is marked); an edit must change something.
 * A new term (`base` null) may repeat an existing one (the server does not refuse that); lengths
 * are the server's to check, and its message is shown next to the language concerned.
 */
export function validateGlossaryTerm(draft: GlossaryDraft, base: GlossaryTerm | null): DraftErrors<GlossaryField> {
  const errors: DraftErrors<GlossaryField> = {};
  const empty = NAME_LANGS.filter((l) => isBlank(draft[l]));
  if (NAME_LANGS.length - empty.length < TERM_LANGS_NEEDED) for (const l of empty) errors[l] = 'dir.edit.twoLanguages';
  if (base && !hasErrors(errors) && Object.keys(glossaryPatch(base, draft)).length === 0) errors.form = 'dir.edit.nothingChanged';
  return errors;
}

/** The POST body (trimmed terms, the empty ones left out); call after validateGlossaryTerm found nothing. */
export function glossaryCreateBody(d: GlossaryDraft): GlossaryTermCreate {
  return glossaryWire(d);
}

/**
 * Whether the glossary search `q` lists the term, as the server matches (server/directory/
 * glossary.py: any of the three languages contains `q`, case aside; an empty `q` lists all).
 */
export function searchFinds(q: string, terms: Record<string, string>): boolean {
  const needle = q.trim().toLowerCase();
  return !needle || NAME_LANGS.some((l) => (terms[l] ?? '').toLowerCase().includes(needle));
}

/**
 * The search to show after a term was added: the current one when it lists the new term, else
 * the new term itself (in `lang`, or its first language), so that it is on screen.
 */
export function searchAfterAdding(q: string, added: GlossaryTerm, lang: Lang): string {
  if (searchFinds(q, added.terms)) return q;
  return added.terms[lang] || NAME_LANGS.map((l) => added.terms[l]).find(Boolean) || q;
}

/**
 * Where the server's errors go: `terms.en` next to the English term; `terms` (about the term as
 * a whole) stays with the form's message; `note` and `sector_id` next to theirs.
 */
export function glossaryFieldOf(path: string): GlossaryField | undefined {
  const [head, lang] = path.split('.');
  if (head === 'terms') return lang && (NAME_LANGS as readonly string[]).includes(lang) ? (lang as Lang) : undefined;
  return lastPartIn<GlossaryField>(['sector_id', 'note'])(path);
}
