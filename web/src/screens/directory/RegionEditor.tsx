/**
 * Adding and editing regions (administrators only, as the server decides): the name in Korean,
 * Chinese and English with the language it was written in, the kind of region, and the country
 * (given once, when the region is added). An edit sends only what changed, with the version it
 * was made on.
 */
import { useState } from 'preact/hooks';
import { nameIn, type Country, type Region, type RegionUpdate } from '../../api/directory';
import type { Lang } from '../../api/types';
import {
  emptyRegionDraft,
  regionCreateBody,
  regionDraftOf,
  regionFieldOf,
  regionKindsFor,
  regionPatch,
  regionWithCountry,
  validateRegion,
  REGION_FIELDS,
  type RegionDraft,
  type RegionField,
} from '../../data/directoryEdit';
import { t, type MessageKey } from '../../i18n';
import { namesShown, staleEdit, type EntityEditing, type EntityStale } from './StaleEditDialog';
import { dir } from './data';
import { EditForm, NameFields, SelectField, useEditForm, useIdempotencyKey } from './EditForm';

export type RegionEditing = EntityEditing<Region, RegionDraft, RegionUpdate>;
export type RegionStale = EntityStale<Region, RegionDraft>;

/** How a region is shown and written again in the conflict dialog. */
export function regionEditing(): RegionEditing {
  return {
    name: 'region',
    draftOf: regionDraftOf,
    show: (d) => [
      ...namesShown(d),
      { key: 'kind', label: t('dir.col.regionKind'), value: d.kind ? t(`dir.regionKind.${d.kind}` as MessageKey) : '—' },
    ],
    patch: regionPatch,
    send: (latest, body) => dir.changeRegion(latest.id, latest.version, body),
    reload: (id) => dir.region(id),
  };
}

interface FormProps {
  /** The region edited; null adds one. */
  base: Region | null;
  regions: Region[];
  lang: Lang;
  onSaved: () => void;
  onCancel: () => void;
  onStale: (stale: RegionStale) => void;
  /** Re-reads the list, the form staying open (a 409: a region of that name was added meanwhile). */
  onRefresh: () => void;
}

export function RegionForm({ base, regions, lang, onSaved, onCancel, onStale, onRefresh }: FormProps) {
  const [draft, setDraft] = useState<RegionDraft>(() => (base ? regionDraftOf(base) : emptyRegionDraft()));
  // A new region's original language follows its country until the user picks one.
  const [langChosen, setLangChosen] = useState(base !== null);
  const form = useEditForm<RegionField>(base ? `region-edit-${base.id}` : 'region-new', REGION_FIELDS);
  const keyFor = useIdempotencyKey();

  const save = () =>
    form.submit({
      check: validateRegion(draft, base, regions),
      fieldOf: regionFieldOf(draft.name_lang),
      send: () => {
        if (base) return dir.changeRegion(base.id, base.version, regionPatch(base, draft));
        const body = regionCreateBody(draft);
        return dir.createRegion(body, keyFor(body));
      },
      onSaved,
      onStale: base ? async (err) => onStale(await staleEdit(regionEditing(), base, draft, err)) : undefined,
      onConflict: onRefresh,
      conflictFields: { region_exists: 'name' },
    });

  return (
    <EditForm
      name="region"
      form={form}
      title={base ? t('dir.edit.editRegionTitle', { name: nameIn(base, lang) }) : t('dir.edit.addRegionTitle')}
      hint={base ? t('dir.edit.regionHint', { country: t(`dir.country.${base.country}` as MessageKey) }) : t('dir.edit.addRegionHint')}
      onSubmit={() => void save()}
      onCancel={onCancel}
    >
      {!base && (
        <SelectField
          id={form.id('country')}
          label={t('dir.country')}
          value={draft.country}
          options={(['KR', 'CN'] as const).map((c) => ({ value: c, label: t(`dir.country.${c}`) }))}
          error={form.message('country')}
          onChange={(v) => setDraft((d) => regionWithCountry(d, (v || null) as Country | null, langChosen))}
        />
      )}
      <NameFields
        draft={draft}
        id={form.id}
        message={form.message}
        onName={(l, v) => setDraft((d) => ({ ...d, [l]: v }))}
        onLang={(l) => {
          setLangChosen(true);
          setDraft((d) => ({ ...d, name_lang: l }));
        }}
      />
      <SelectField
        id={form.id('kind')}
        label={t('dir.col.regionKind')}
        value={draft.kind}
        // An edited region always has a kind; a new one starts with "Choose…".
        empty={base ? false : undefined}
        options={regionKindsFor(draft.country, base?.kind ?? null).map((k) => ({ value: k, label: t(`dir.regionKind.${k}` as MessageKey) }))}
        error={form.message('kind')}
        onChange={(v) => setDraft((d) => ({ ...d, kind: (v || null) as RegionDraft['kind'] }))}
      />
    </EditForm>
  );
}
