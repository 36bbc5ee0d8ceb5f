/**
 * Editing regions (administrators only, as the server decides): the name in Korean, Chinese and
 * English with the language it was written in, and the kind of region; the country stays. An
 * edit sends only what changed, with the version it was made on. (Regions are added through
 * the API.)
 */
import { useState } from 'preact/hooks';
import { nameIn, type Region, type RegionUpdate } from '../../api/directory';
import type { Lang } from '../../api/types';
import {
  regionDraftOf,
  regionFieldOf,
  regionKindsOf,
  regionPatch,
  validateRegion,
  REGION_FIELDS,
  type RegionDraft,
  type RegionField,
} from '../../data/directoryEdit';
import { t, type MessageKey } from '../../i18n';
import { namesShown, staleEdit, type EntityEditing, type EntityStale } from './StaleEditDialog';
import { dir } from './data';
import { EditForm, NameFields, SelectField, useEditForm } from './EditForm';

export type RegionEditing = EntityEditing<Region, RegionDraft, RegionUpdate>;
export type RegionStale = EntityStale<Region, RegionDraft>;

/** How a region is shown and written again in the conflict dialog. */
export function regionEditing(): RegionEditing {
  return {
    name: 'region',
    draftOf: regionDraftOf,
    show: (d) => [
      ...namesShown(d),
      { key: 'kind', label: t('dir.col.regionKind'), value: t(`dir.regionKind.${d.kind}` as MessageKey) },
    ],
    patch: regionPatch,
    send: (latest, body) => dir.changeRegion(latest.id, latest.version, body),
    reload: (id) => dir.region(id),
  };
}

interface FormProps {
  base: Region;
  regions: Region[];
  lang: Lang;
  onSaved: () => void;
  onCancel: () => void;
  onStale: (stale: RegionStale) => void;
  /** Re-reads the list, the form staying open (a 409: a region of that name was added meanwhile). */
  onRefresh: () => void;
}

export function RegionForm({ base, regions, lang, onSaved, onCancel, onStale, onRefresh }: FormProps) {
  const [draft, setDraft] = useState<RegionDraft>(() => regionDraftOf(base));
  const form = useEditForm<RegionField>(`region-edit-${base.id}`, REGION_FIELDS);

  const save = () =>
    form.submit({
      check: validateRegion(draft, base, regions),
      fieldOf: regionFieldOf(draft.name_lang),
      send: () => dir.changeRegion(base.id, base.version, regionPatch(base, draft)),
      onSaved,
      onStale: async (err) => onStale(await staleEdit(regionEditing(), base, draft, err)),
      onConflict: onRefresh,
      conflictFields: { region_exists: 'name' },
    });

  return (
    <EditForm
      name="region"
      form={form}
      title={t('dir.edit.editRegionTitle', { name: nameIn(base, lang) })}
      hint={t('dir.edit.regionHint', { country: t(`dir.country.${base.country}` as MessageKey) })}
      onSubmit={() => void save()}
      onCancel={onCancel}
    >
      <NameFields
        draft={draft}
        id={form.id}
        message={form.message}
        onName={(l, v) => setDraft((d) => ({ ...d, [l]: v }))}
        onLang={(l) => setDraft((d) => ({ ...d, name_lang: l }))}
      />
      <SelectField
        id={form.id('kind')}
        label={t('dir.col.regionKind')}
        value={draft.kind}
        empty={false}
        options={regionKindsOf(base).map((k) => ({ value: k, label: t(`dir.regionKind.${k}` as MessageKey) }))}
        error={form.message('kind')}
        onChange={(v) => setDraft((d) => ({ ...d, kind: v as RegionDraft['kind'] }))}
      />
    </EditForm>
  );
}
