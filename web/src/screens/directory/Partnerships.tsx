/**
 * The partnerships card of the directory screen: Korean cities and their Chinese partner
 * cities with kind, signing date, status and notes; administrators add and edit them
 * (PartnershipEditor.tsx).
 */
import { nameIn, type Partnership } from '../../api/directory';
import { mayEditDirectory } from '../../data/directoryEdit';
import { partnershipLabel, sortPartnerships } from '../../data/directoryView';
import { useRuntime } from '../../data/hooks';
import { t, type MessageKey } from '../../i18n';
import { formatDate } from '../../i18n/format';
import { EntityConflict } from './StaleEditDialog';
import type { CardProps } from './data';
import { EditBar, EditButton, offlineHintId, useEditCard } from './EditCard';
import { PartnershipForm, partnershipEditing, type PartnershipStale } from './PartnershipEditor';

export function Partnerships({ data, cities, lang, offline, onChanged }: CardProps) {
  const rt = useRuntime();
  const canEdit = mayEditDirectory(rt?.user);
  const card = useEditCard<Partnership, PartnershipStale>(onChanged);
  const offlineHint = offlineHintId('partnership', canEdit, offline);
  const sorted = sortPartnerships(data.partnerships, cities, lang);
  const city = (id: number) => {
    const c = cities.get(id);
    return c ? nameIn(c, lang) : `#${id}`;
  };
  const { editing, stale } = card;
  return (
    <section aria-labelledby="dir-partnerships" class="card">
      <h2 id="dir-partnerships" tabIndex={-1} ref={card.headingRef}>{t('dir.partnerships')}</h2>
      <EditBar
        name="partnership"
        status={card.status}
        canEdit={canEdit}
        offline={offline}
        offlineText={t('dir.edit.offlineAny')}
        addLabel={t('dir.edit.addPartnership')}
        onAdd={() => card.open(null)}
      />
      {editing && (
        <PartnershipForm
          key={editing.base?.id ?? 'new'}
          base={editing.base}
          data={data}
          cities={cities}
          lang={lang}
          onSaved={() => card.settle(t('dir.edit.saved'))}
          onCancel={card.cancel}
          onStale={card.toStale}
          onRefresh={onChanged}
        />
      )}
      {stale && (
        <EntityConflict
          spec={partnershipEditing(lang)}
          stale={stale}
          what={partnershipLabel(stale.opened, cities, lang)}
          onStale={card.setStale}
          onDone={card.settle}
        />
      )}
      {sorted.length === 0 ? (
        <p class="muted">{t('dir.partnershipsEmpty')}</p>
      ) : (
        <div class="table-scroll">
          <table class="data-table" data-testid="partnerships">
            <caption class="visually-hidden">{t('dir.partnershipsCaption')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('dir.col.member')}</th>
                <th scope="col">{t('dir.col.partner')}</th>
                <th scope="col">{t('dir.col.kind')}</th>
                <th scope="col">{t('dir.col.signed')}</th>
                <th scope="col">{t('dir.col.status')}</th>
                <th scope="col">{t('dir.col.notes')}</th>
                {canEdit && <th scope="col">{t('dir.col.actions')}</th>}
              </tr>
            </thead>
            <tbody>
              {sorted.map((p) => (
                <tr key={p.id} data-testid="partnership">
                  <th scope="row">{city(p.member_city_id)}</th>
                  <td>{city(p.partner_city_id)}</td>
                  <td>{t(`dir.kind.${p.kind}` as MessageKey)}</td>
                  <td>{p.signed_on ? <time dateTime={p.signed_on}>{formatDate(p.signed_on, lang)}</time> : <span class="muted">{t('dir.notRecorded')}</span>}</td>
                  <td>{t(`dir.status.${p.status}` as MessageKey)}</td>
                  <td>{p.notes}</td>
                  {canEdit && (
                    <td>
                      <EditButton name="partnership" which={partnershipLabel(p, cities, lang)} offlineHint={offlineHint} onClick={() => card.open(p)} />
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
