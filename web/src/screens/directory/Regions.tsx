/**
 * The regions and cities card of the directory screen, with a country filter; administrators
 * add and edit regions (RegionEditor.tsx) and cities (CityEditor.tsx).
 */
import { useState } from 'preact/hooks';
import { nameIn, type City, type Region } from '../../api/directory';
import { mayEditDirectory } from '../../data/directoryEdit';
import { regionsWithCities } from '../../data/directoryView';
import { useRuntime } from '../../data/hooks';
import { t, type MessageKey } from '../../i18n';
import { CityForm, cityEditing, type CityStale } from './CityEditor';
import { RegionForm, regionEditing, type RegionStale } from './RegionEditor';
import { EntityConflict } from './StaleEditDialog';
import type { CardProps } from './data';
import { AddButton, EditBar, EditButton, StatusLine, offlineHintId, useEditCard } from './EditCard';

export function Regions({ data, lang, offline, onChanged }: CardProps) {
  const [country, setCountry] = useState<'KR' | 'CN' | null>(null);
  const rt = useRuntime();
  const canEdit = mayEditDirectory(rt?.user);
  const card = useEditCard<City, CityStale>(onChanged);
  // Regions are edited in the same card: after a write, focus goes to its one heading too.
  const regionCard = useEditCard<Region, RegionStale>(onChanged, card.headingRef);
  // One line says why writes are off; the region and city Add and Edit buttons all point to it.
  const offlineHint = offlineHintId('city', canEdit, offline);
  const rows = regionsWithCities(data.regions, data.cities, lang, country);
  const { editing, stale } = card;
  const regionOpen = regionCard.editing;
  return (
    <section aria-labelledby="dir-regions" class="card">
      <h2 id="dir-regions" tabIndex={-1} ref={card.headingRef}>{t('dir.regions')}</h2>
      {canEdit && <StatusLine name="region" status={regionCard.status} />}
      <EditBar name="city" status={card.status} canEdit={canEdit} offline={offline} offlineText={t('dir.edit.offlineAny')} />
      {canEdit && (
        <div class="add-buttons">
          <AddButton name="region" label={t('dir.edit.addRegion')} offlineHint={offlineHint} onClick={() => regionCard.open(null)} />
          <AddButton name="city" label={t('dir.edit.addCity')} offlineHint={offlineHint} onClick={() => card.open(null)} />
        </div>
      )}
      {regionOpen && (
        <RegionForm
          key={regionOpen.base?.id ?? 'new'}
          base={regionOpen.base}
          regions={data.regions}
          lang={lang}
          onSaved={() => regionCard.settle(t('dir.edit.saved'))}
          onCancel={regionCard.cancel}
          onStale={regionCard.toStale}
          onRefresh={onChanged}
        />
      )}
      {regionCard.stale && (
        <EntityConflict
          spec={regionEditing()}
          stale={regionCard.stale}
          what={nameIn(regionCard.stale.opened, lang)}
          onStale={regionCard.setStale}
          onDone={regionCard.settle}
        />
      )}
      {editing && (
        <CityForm
          key={editing.base?.id ?? 'new'}
          base={editing.base}
          data={data}
          lang={lang}
          onSaved={() => card.settle(t('dir.edit.saved'))}
          onCancel={card.cancel}
          onStale={card.toStale}
          onRefresh={onChanged}
        />
      )}
      {stale && <EntityConflict spec={cityEditing(data.regions, lang)} stale={stale} what={nameIn(stale.opened, lang)} onStale={card.setStale} onDone={card.settle} />}
      <div class="field">
        <label for="dir-country">{t('dir.country')}</label>
        <select
          id="dir-country"
          value={country ?? ''}
          onChange={(e) => setCountry(((e.currentTarget as HTMLSelectElement).value || null) as 'KR' | 'CN' | null)}
          data-testid="country-filter"
        >
          <option value="">{t('dir.country.all')}</option>
          <option value="KR">{t('dir.country.KR')}</option>
          <option value="CN">{t('dir.country.CN')}</option>
        </select>
      </div>
      <div class="table-scroll">
        <table class="data-table" data-testid="regions">
          <caption class="visually-hidden">{t('dir.regions')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('dir.col.region')}</th>
              <th scope="col">{t('dir.col.regionKind')}</th>
              <th scope="col">{t('dir.country')}</th>
              <th scope="col">{t('dir.col.cities')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.region?.id ?? 'none'} data-testid="region">
                <th scope="row">
                  {r.region ? nameIn(r.region, lang) : t('dir.noRegion')}
                  {canEdit && r.region && (
                    <>
                      {' '}
                      <EditButton name="region" small which={nameIn(r.region, lang)} offlineHint={offlineHint} onClick={() => regionCard.open(r.region)} />
                    </>
                  )}
                </th>
                <td>{r.region ? t(`dir.regionKind.${r.region.kind}` as MessageKey) : ''}</td>
                <td>{r.region ? t(`dir.country.${r.region.country}` as MessageKey) : ''}</td>
                <td>
                  <ul class="comma-list">
                    {r.cities.map((c) => (
                      <li key={c.id} data-testid="city">
                        <span lang={c.name_lang === lang || !c.translations[lang] ? c.name_lang : lang}>{nameIn(c, lang)}</span>
                        {canEdit && (
                          <>
                            {' '}
                            <EditButton name="city" small which={nameIn(c, lang)} offlineHint={offlineHint} onClick={() => card.open(c)} />
                          </>
                        )}
                      </li>
                    ))}
                  </ul>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
