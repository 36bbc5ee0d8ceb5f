/**
 * Adding a sector of exchange (administrators only, as the server decides): a stable code and
 * the name in Korean, Chinese and English. The server has no way to change a sector once added
 * (no PATCH), so there is no Edit: the form says so before saving.
 */
import { useState } from 'preact/hooks';
import type { Sector } from '../../api/directory';
import type { Lang } from '../../api/types';
import { emptySectorDraft, sectorCreateBody, sectorFieldOf, validateSector, SECTOR_FIELDS, type SectorDraft, type SectorField } from '../../data/directoryEdit';
import { t } from '../../i18n';
import { dir } from './data';
import { EditForm, NameFields, TextField, useEditForm, useIdempotencyKey } from './EditForm';

interface FormProps {
  sectors: Sector[];
  lang: Lang;
  onSaved: () => void;
  onCancel: () => void;
  /** Re-reads the list, the form staying open (a 409: the code was taken meanwhile). */
  onRefresh: () => void;
}

export function SectorForm({ sectors, lang, onSaved, onCancel, onRefresh }: FormProps) {
  const [draft, setDraft] = useState<SectorDraft>(() => emptySectorDraft(lang));
  const form = useEditForm<SectorField>('sector-new', SECTOR_FIELDS);
  const keyFor = useIdempotencyKey();

  const save = () =>
    form.submit({
      check: validateSector(draft, sectors),
      fieldOf: sectorFieldOf(draft.name_lang),
      send: () => {
        const body = sectorCreateBody(draft);
        return dir.createSector(body, keyFor(body));
      },
      onSaved,
      onConflict: onRefresh,
      conflictFields: { sector_exists: 'code' },
    });

  return (
    <EditForm name="sector" form={form} title={t('dir.edit.addSectorTitle')} hint={t('dir.edit.sectorHint')} onSubmit={() => void save()} onCancel={onCancel}>
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
