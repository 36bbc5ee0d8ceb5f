/**
 * Adding and editing glossary terms (administrators only, as the server decides): the term in
 * Korean, Chinese and English (at least two), its sector and a note. An edit sends only what
 * changed, with the version it was made on.
 */
import { useState } from 'preact/hooks';
import { nameIn, type GlossaryTerm, type GlossaryTermUpdate, type Sector } from '../../api/directory';
import type { Lang } from '../../api/types';
import { NAME_LANGS } from '../../data/directoryEdit';
import {
  emptyGlossaryDraft,
  glossaryCreateBody,
  glossaryDraftOf,
  glossaryFieldOf,
  glossaryPatch,
  validateGlossaryTerm,
  GLOSSARY_FIELDS,
  type GlossaryDraft,
  type GlossaryField,
} from '../../data/glossaryEdit';
import { t, type MessageKey } from '../../i18n';
import { staleEdit, type EntityEditing, type EntityStale } from './StaleEditDialog';
import { dir } from './data';
import { EditForm, SelectField, TextField, useEditForm, useIdempotencyKey } from './EditForm';

export type GlossaryEditing = EntityEditing<GlossaryTerm, GlossaryDraft, GlossaryTermUpdate>;
export type GlossaryStale = EntityStale<GlossaryTerm, GlossaryDraft>;

/** The term in `lang`, or in the first language it has. */
export function termIn(term: GlossaryTerm, lang: Lang): string {
  return term.terms[lang] || NAME_LANGS.map((l) => term.terms[l]).find(Boolean) || `#${term.id}`;
}

function sectorName(sectors: Map<number, Sector>, id: number | null, lang: Lang): string {
  if (id === null) return t('dir.noSector');
  return nameIn(sectors.get(id), lang) || `#${id}`;
}

/** How a term is shown and written again in the conflict dialog. */
export function glossaryEditing(sectors: Map<number, Sector>, lang: Lang): GlossaryEditing {
  return {
    name: 'glossary',
    draftOf: glossaryDraftOf,
    show: (d) => [
      ...NAME_LANGS.map((l) => ({ key: l, label: t(`dir.edit.term.${l}` as MessageKey), value: d[l].trim() || '—', lang: l })),
      { key: 'sector_id', label: t('dir.col.sector'), value: sectorName(sectors, d.sector_id, lang) },
      { key: 'note', label: t('dir.col.note'), value: d.note.trim() || '—' },
    ],
    patch: glossaryPatch,
    send: (latest, body) => dir.changeGlossaryTerm(latest.id, latest.version, body),
    reload: (id) => dir.glossaryTerm(id),
  };
}

interface FormProps {
  /** The term edited; null adds one. */
  base: GlossaryTerm | null;
  sectors: Map<number, Sector>;
  lang: Lang;
  /** After a 2xx, with the term as the server answered it. */
  onSaved: (saved: GlossaryTerm) => void;
  onCancel: () => void;
  onStale: (stale: GlossaryStale) => void;
}

export function GlossaryForm({ base, sectors, lang, onSaved, onCancel, onStale }: FormProps) {
  const [draft, setDraft] = useState<GlossaryDraft>(() => (base ? glossaryDraftOf(base) : emptyGlossaryDraft()));
  const form = useEditForm<GlossaryField>(base ? `glossary-edit-${base.id}` : 'glossary-new', GLOSSARY_FIELDS);
  const keyFor = useIdempotencyKey();
  const set = <K extends keyof GlossaryDraft>(k: K, v: GlossaryDraft[K]) => setDraft((d) => ({ ...d, [k]: v }));

  const save = () =>
    form.submit({
      check: validateGlossaryTerm(draft, base),
      fieldOf: glossaryFieldOf,
      send: () => {
        if (base) return dir.changeGlossaryTerm(base.id, base.version, glossaryPatch(base, draft));
        const body = glossaryCreateBody(draft);
        return dir.createGlossaryTerm(body, keyFor(body));
      },
      onSaved,
      onStale: base ? async (err) => onStale(await staleEdit(glossaryEditing(sectors, lang), base, draft, err)) : undefined,
    });

  const collator = new Intl.Collator(lang);
  const sectorOptions = [...sectors.values()]
    .map((s) => ({ value: s.id, label: nameIn(s, lang) }))
    .sort((a, b) => collator.compare(a.label, b.label));

  return (
    <EditForm
      name="glossary"
      form={form}
      title={base ? t('dir.edit.editTermTitle', { term: termIn(base, lang) }) : t('dir.edit.addTermTitle')}
      hint={t('dir.edit.termHint')}
      onSubmit={() => void save()}
      onCancel={onCancel}
    >
      {NAME_LANGS.map((l) => (
        <TextField key={l} id={form.id(l)} label={t(`dir.edit.term.${l}` as MessageKey)} lang={l} value={draft[l]} error={form.message(l)} onInput={(v) => set(l, v)} />
      ))}
      <SelectField
        id={form.id('sector_id')}
        label={t('dir.col.sector')}
        value={draft.sector_id}
        required={false}
        empty={t('dir.noSector')}
        options={sectorOptions}
        error={form.message('sector_id')}
        onChange={(v) => set('sector_id', v ? Number(v) : null)}
      />
      <TextField id={form.id('note')} multiline label={t('dir.col.note')} value={draft.note} error={form.message('note')} onInput={(v) => set('note', v)} />
    </EditForm>
  );
}
