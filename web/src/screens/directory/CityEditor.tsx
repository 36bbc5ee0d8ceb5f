/**
 * Adding and editing cities (administrators only, as the server decides): the name in Korean,
 * Chinese and English with the language it was written in, the country (fixed once added) and
 * the region. An edit sends only what changed, with the version it was made on.
 */
import { useState } from 'preact/hooks';
import { nameIn, type City, type CityUpdate, type Country, type Region } from '../../api/directory';
import type { Lang } from '../../api/types';
import {
  cityCreateBody,
  cityDraftOf,
  cityFieldOf,
  cityPatch,
  emptyCityDraft,
  regionsOf,
  validateCity,
  withCountry,
  CITY_FIELDS,
  type CityDraft,
  type CityField,
} from '../../data/directoryEdit';
import { t, type MessageKey } from '../../i18n';
import { namesShown, staleEdit, type EntityEditing, type EntityStale } from './StaleEditDialog';
import { dir, type DirectoryData } from './data';
import { EditForm, NameFields, SelectField, useEditForm, useIdempotencyKey } from './EditForm';

export type CityEditing = EntityEditing<City, CityDraft, CityUpdate>;
export type CityStale = EntityStale<City, CityDraft>;

/** How a city is shown and written again in the conflict dialog. */
export function cityEditing(regions: Region[], lang: Lang): CityEditing {
  const region = (id: number | null) => {
    const r = regions.find((x) => x.id === id);
    return r ? nameIn(r, lang) : id === null ? t('dir.noRegion') : `#${id}`;
  };
  return {
    name: 'city',
    draftOf: cityDraftOf,
    show: (d) => [
      ...namesShown(d),
      { key: 'region_id', label: t('dir.col.region'), value: region(d.region_id) },
    ],
    patch: cityPatch,
    send: (latest, body) => dir.changeCity(latest.id, latest.version, body),
    reload: (id) => dir.city(id),
  };
}

interface FormProps {
  /** The city edited; null adds one. */
  base: City | null;
  data: DirectoryData;
  lang: Lang;
  onSaved: () => void;
  onCancel: () => void;
  onStale: (stale: CityStale) => void;
  /** Re-reads the list, the form staying open (a 409: a city of that name was added meanwhile). */
  onRefresh: () => void;
}

export function CityForm({ base, data, lang, onSaved, onCancel, onStale, onRefresh }: FormProps) {
  const [draft, setDraft] = useState<CityDraft>(() => (base ? cityDraftOf(base) : emptyCityDraft()));
  // A new city's original language follows its country until the user picks one.
  const [langChosen, setLangChosen] = useState(base !== null);
  const form = useEditForm<CityField>(base ? `city-edit-${base.id}` : 'city-new', CITY_FIELDS);
  const keyFor = useIdempotencyKey();

  const save = () =>
    form.submit({
      check: validateCity(draft, base, data.cities),
      fieldOf: cityFieldOf(draft.name_lang),
      send: () => {
        if (base) return dir.changeCity(base.id, base.version, cityPatch(base, draft));
        const body = cityCreateBody(draft);
        return dir.createCity(body, keyFor(body));
      },
      onSaved,
      onStale: base ? async (err) => onStale(await staleEdit(cityEditing(data.regions, lang), base, draft, err)) : undefined,
      onConflict: onRefresh,
      conflictFields: { city_exists: 'name' },
    });

  const collator = new Intl.Collator(lang);
  const regionOptions = regionsOf(data.regions, draft.country)
    .map((r) => ({ value: r.id, label: nameIn(r, lang) }))
    .sort((a, b) => collator.compare(a.label, b.label));

  return (
    <EditForm
      name="city"
      form={form}
      title={base ? t('dir.edit.editCityTitle', { name: nameIn(base, lang) }) : t('dir.edit.addCityTitle')}
      hint={base ? t('dir.edit.cityHint', { country: t(`dir.country.${base.country}` as MessageKey) }) : undefined}
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
          onChange={(v) => setDraft((d) => withCountry(d, (v || null) as Country | null, data.regions, langChosen))}
        />
      )}
      <SelectField
        id={form.id('region_id')}
        label={t('dir.col.region')}
        value={draft.region_id}
        required={false}
        empty={t('dir.noRegion')}
        options={regionOptions}
        error={form.message('region_id')}
        onChange={(v) => setDraft((d) => ({ ...d, region_id: v ? Number(v) : null }))}
      />
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
    </EditForm>
  );
}
