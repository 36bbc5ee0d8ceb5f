/**
 * The sectors card of the directory screen: each sector's code and name in the three languages;
 * administrators add sectors and edit their names (SectorEditor.tsx; the code stays).
 */
import { nameIn, type Sector } from '../../api/directory';
import type { Lang } from '../../api/types';
import { mayEditDirectory } from '../../data/directoryEdit';
import { useRuntime } from '../../data/hooks';
import { LANGS, t, type MessageKey } from '../../i18n';
import type { CardProps } from './data';
import { EditBar, EditButton, offlineHintId, useEditCard } from './EditCard';
import { SectorForm, sectorEditing, type SectorStale } from './SectorEditor';
import { EntityConflict } from './StaleEditDialog';

/** A cell in a given language, with `lang` so the right CJK glyphs are used. */
export function LangCell({ text, l }: { text: string | undefined; l: Lang }) {
  return <td lang={l}>{text ?? ''}</td>;
}

export function Sectors({ data, lang, offline, onChanged }: CardProps) {
  const rt = useRuntime();
  const canEdit = mayEditDirectory(rt?.user);
  const card = useEditCard<Sector, SectorStale>(onChanged);
  const offlineHint = offlineHintId('sector', canEdit, offline);
  const list = data.sectors;
  const { editing, stale } = card;
  return (
    <section aria-labelledby="dir-sectors" class="card">
      <h2 id="dir-sectors" tabIndex={-1} ref={card.headingRef}>{t('dir.sectors')}</h2>
      <EditBar
        name="sector"
        status={card.status}
        canEdit={canEdit}
        offline={offline}
        offlineText={t('dir.edit.offlineAny')}
        addLabel={t('dir.edit.addSector')}
        onAdd={() => card.open(null)}
      />
      {editing && (
        <SectorForm
          key={editing.base?.id ?? 'new'}
          base={editing.base}
          sectors={list}
          lang={lang}
          onSaved={() => card.settle(t('dir.edit.saved'))}
          onCancel={card.cancel}
          onStale={card.toStale}
          onRefresh={onChanged}
        />
      )}
      {stale && <EntityConflict spec={sectorEditing()} stale={stale} what={nameIn(stale.opened, lang)} onStale={card.setStale} onDone={card.settle} />}
      <div class="table-scroll">
        <table class="data-table" data-testid="sectors">
          <caption class="visually-hidden">{t('dir.sectors')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('dir.col.code')}</th>
              {LANGS.map((l) => (
                <th scope="col" key={l}>{t(`lang.${l}` as MessageKey)}</th>
              ))}
              {canEdit && <th scope="col">{t('dir.col.actions')}</th>}
            </tr>
          </thead>
          <tbody>
            {list.map((s) => (
              <tr key={s.id} data-testid="sector">
                <th scope="row"><code>{s.code}</code></th>
                {LANGS.map((l) => (
                  <LangCell key={l} l={l} text={s.name_lang === l ? s.name : s.translations[l]} />
                ))}
                {canEdit && (
                  <td>
                    <EditButton name="sector" which={nameIn(s, lang)} offlineHint={offlineHint} onClick={() => card.open(s)} />
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
