/**
 * Adding and editing sectors of exchange (administrators only, as the server decides): a stable
 * code, given once when the sector is added, and the name in Korean, Chinese and English with
 * the language it was written in. An edit changes the names only, sending what changed with the
 * version it was made on.
 */
import { useState } from 'preact/hooks';
import { nameIn, type Sector, type SectorUpdate } from '../../api/directory';
import type { Lang } from '../../api/types';
import {
  emptySectorDraft,
  sectorCreateBody,
  sectorDraftOf,
  sectorFieldOf,
  sectorPatch,
  validateSector,
  SECTOR_FIELDS,
  type SectorDraft,
  type SectorField,
} from '../../data/directoryEdit';
import { t } from '../../i18n';
import { namesShown, staleEdit, type EntityEditing, type EntityStale } from './StaleEditDialog';
import { dir } from './data';
import { EditForm, NameFields, TextField, useEditForm, useIdempotencyKey } from './EditForm';

export type SectorEditing = EntityEditing<Sector, SectorDraft, SectorUpdate>;
export type SectorStale = EntityStale<Sector, SectorDraft>;

/** How a sector is shown and written again in the conflict dialog. */
export function sectorEditing(): SectorEditing {
  return {
    name: 'sector',
    draftOf: sectorDraftOf,
    show: namesShown,
    patch: sectorPatch,
    send: (latest, body) => dir.changeSector(latest.id, latest.version, body),
    reload: (id) => dir.sector(id),
  };
}

interface FormProps {
  /** The sector edited; null adds one. */
  base: Sector | null;
  sectors: Sector[];
  lang: Lang;
  onSaved: () => void;
  onCancel: () => void;
  onStale: (stale: SectorStale) => void;
  /** Re-reads the list, the form staying open (a 409: the code was taken meanwhile). */
  onRefresh: () => void;
}

export function SectorForm({ base, sectors, lang, onSaved, onCancel, onStale, onRefresh }: FormProps) {
  const [draft, setDraft] = useState<SectorDraft>(() => (base ? sectorDraftOf(base) : emptySectorDraft(lang)));
  const form = useEditForm<SectorField>(base ? `sector-edit-${base.id}` : 'sector-new', SECTOR_FIELDS);
  const keyFor = useIdempotencyKey();

  const save = () =>
    form.submit({
      check: validateSector(draft, base, sectors),
      fieldOf: sectorFieldOf(draft.name_lang),
      send: () => {
        if (base) return dir.changeSector(base.id, base.version, sectorPatch(base, draft));
        const body = sectorCreateBody(draft);
        return dir.createSector(body, keyFor(body));
      },
      onSaved,
      onStale: base ? async (err) => onStale(await staleEdit(sectorEditing(), base, draft, err)) : undefined,
      onConflict: onRefresh,
      conflictFields: { sector_exists: 'code' },
    });

  return (
    <EditForm
      name="sector"
      form={form}
      title={base ? t('dir.edit.editSectorTitle', { name: nameIn(base, lang) }) : t('dir.edit.addSectorTitle')}
      hint={base ? t('dir.edit.sectorEditHint', { code: base.code }) : t('dir.edit.sectorHint')}
      onSubmit={() => void save()}
      onCancel={onCancel}
    >
      {!base && (
        <TextField
          id={form.id('code')}
          label={t('dir.col.code')}
          lang="en"
          required
          hint={t('dir.edit.codeHint')}
          value={draft.code}
          error={form.message('code')}
          onInput={(v) => setDraft((d) => ({ ...d, code: v }))}
        />
      )}
      <NameFields
        draft={draft}
        id={form.id}
        message={form.message}
        onName={(l, v) => setDraft((d) => ({ ...d, [l]: v }))}
        onLang={(l) => setDraft((d) => ({ ...d, name_lang: l }))}
      />
    </EditForm>
  );
}
