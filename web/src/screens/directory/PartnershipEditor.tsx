/**
 * Adding and editing partnerships (administrators only, as the server decides): a new one joins
 * a Korean member city and a Chinese partner city; an edit changes kind, signing date, status
 * and notes (the cities stay), sending only what changed, with the version it was made on.
 */
import { useState } from 'preact/hooks';
import { nameIn, type City, type Country, type Partnership, type PartnershipUpdate } from '../../api/directory';
import type { Lang } from '../../api/types';
import {
  citiesOf,
  emptyPartnershipDraft,
  partnershipCreateBody,
  partnershipDraftOf,
  partnershipFieldOf,
  partnershipPatch,
  validatePartnership,
  PARTNERSHIP_FIELDS,
  PARTNERSHIP_KINDS,
  PARTNERSHIP_STATUSES,
  type PartnershipDraft,
  type PartnershipField,
} from '../../data/directoryEdit';
import { partnershipLabel } from '../../data/directoryView';
import { t, type MessageKey } from '../../i18n';
import { formatDate } from '../../i18n/format';
import { staleEdit, type EntityEditing, type EntityStale } from './StaleEditDialog';
import { dir, type DirectoryData } from './data';
import { EditForm, SelectField, TextField, useEditForm, useIdempotencyKey } from './EditForm';

export type PartnershipEditing = EntityEditing<Partnership, PartnershipDraft, PartnershipUpdate>;
export type PartnershipStale = EntityStale<Partnership, PartnershipDraft>;

/** How a partnership is shown and written again in the conflict dialog. */
export function partnershipEditing(lang: Lang): PartnershipEditing {
  return {
    name: 'partnership',
    draftOf: partnershipDraftOf,
    show: (d) => [
      { key: 'kind', label: t('dir.col.kind'), value: d.kind ? t(`dir.kind.${d.kind}` as MessageKey) : '' },
      { key: 'signed_on', label: t('dir.col.signed'), value: d.signed_on ? formatDate(d.signed_on, lang) : t('dir.notRecorded') },
      { key: 'status', label: t('dir.col.status'), value: t(`dir.status.${d.status}` as MessageKey) },
      { key: 'notes', label: t('dir.col.notes'), value: d.notes.trim() || '—' },
    ],
    patch: partnershipPatch,
    send: (latest, body) => dir.changePartnership(latest.id, latest.version, body),
    reload: (id) => dir.partnership(id),
  };
}

interface FormProps {
  /** The partnership edited; null adds one. */
  base: Partnership | null;
  data: DirectoryData;
  cities: Map<number, City>;
  lang: Lang;
  onSaved: () => void;
  onCancel: () => void;
  onStale: (stale: PartnershipStale) => void;
  /** Re-reads the list, the form staying open (a 409: the two cities got a partnership meanwhile). */
  onRefresh: () => void;
}

export function PartnershipForm({ base, data, cities, lang, onSaved, onCancel, onStale, onRefresh }: FormProps) {
  const [draft, setDraft] = useState<PartnershipDraft>(() => (base ? partnershipDraftOf(base) : emptyPartnershipDraft()));
  const form = useEditForm<PartnershipField>(base ? `partnership-edit-${base.id}` : 'partnership-new', PARTNERSHIP_FIELDS);
  const keyFor = useIdempotencyKey();
  const set = <K extends keyof PartnershipDraft>(k: K, v: PartnershipDraft[K]) => setDraft((d) => ({ ...d, [k]: v }));

  const save = () =>
    form.submit({
      check: validatePartnership(draft, base, data.partnerships),
      fieldOf: partnershipFieldOf,
      send: () => {
        if (base) return dir.changePartnership(base.id, base.version, partnershipPatch(base, draft));
        const body = partnershipCreateBody(draft);
        return dir.createPartnership(body, keyFor(body));
      },
      onSaved,
      onStale: base ? async (err) => onStale(await staleEdit(partnershipEditing(lang), base, draft, err)) : undefined,
      onConflict: onRefresh,
      conflictFields: { partnership_exists: base ? 'status' : 'partner_city_id' },
    });

  const collator = new Intl.Collator(lang);
  const cityOptions = (country: Country) =>
    citiesOf(data.cities, country)
      .map((c) => ({ value: c.id, label: nameIn(c, lang) }))
      .sort((a, b) => collator.compare(a.label, b.label));
  const select = (f: 'member_city_id' | 'partner_city_id', label: string) => ({
    id: form.id(f),
    label,
    value: draft[f],
    error: form.message(f),
    onChange: (v: string) => set(f, v ? Number(v) : null),
  });

  return (
    <EditForm
      name="partnership"
      form={form}
      title={base ? t('dir.edit.editPartnershipTitle', { partnership: partnershipLabel(base, cities, lang) }) : t('dir.edit.addPartnershipTitle')}
      hint={base ? t('dir.edit.partnershipHint') : undefined}
      onSubmit={() => void save()}
      onCancel={onCancel}
    >
      {!base && (
        <>
          <SelectField {...select('member_city_id', t('dir.col.member'))} options={cityOptions('KR')} />
          <SelectField {...select('partner_city_id', t('dir.col.partner'))} options={cityOptions('CN')} />
        </>
      )}
      <SelectField
        id={form.id('kind')}
        label={t('dir.col.kind')}
        value={draft.kind}
        options={PARTNERSHIP_KINDS.map((k) => ({ value: k, label: t(`dir.kind.${k}` as MessageKey) }))}
        error={form.message('kind')}
        onChange={(v) => set('kind', v ? (v as PartnershipDraft['kind']) : null)}
      />
      <TextField
        id={form.id('signed_on')}
        type="date"
        label={t('dir.col.signed')}
        value={draft.signed_on}
        error={form.message('signed_on')}
        onInput={(v) => set('signed_on', v)}
      />
      <SelectField
        id={form.id('status')}
        label={t('dir.col.status')}
        value={draft.status}
        empty={false}
        options={PARTNERSHIP_STATUSES.map((s) => ({ value: s, label: t(`dir.status.${s}` as MessageKey) }))}
        error={form.message('status')}
        onChange={(v) => set('status', v as PartnershipDraft['status'])}
      />
      <TextField id={form.id('notes')} multiline label={t('dir.col.notes')} value={draft.notes} error={form.message('notes')} onInput={(v) => set('notes', v)} />
    </EditForm>
  );
}
