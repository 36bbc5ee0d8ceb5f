/**
 * The exchange directory: partnerships (kind, signing date), counterpart officials with who
 * held each slot before, regions and cities, sectors, and a glossary search. Administrators
 * (the only people the server lets write it) add and edit partnerships, regions, cities, sectors
 * and glossary terms, and add, change and end counterpart pairs here. One card per file in
 * ./directory/, each with its editor. The last answer is saved on this device (data/remote.ts): offline the screen
 * shows it, with writes disabled. Live: another administrator's changes (the `platform` scope)
 * re-read the lists they touch (directory/useDirectoryLive.ts), and the saved copy with them.
 */
import { useMemo, useRef } from 'preact/hooks';
import { RemoteNotice } from '../components/RemoteNotice';
import { LOADED_PARTS } from '../data/directoryLive';
import { useRemote } from '../data/remote';
import { t, useLang } from '../i18n';
import './directory.css';
import { Counterparts } from './directory/Counterparts';
import { loadDirectory, loadDirectoryParts, type CardProps, type DirectoryData } from './directory/data';
import { Glossary } from './directory/Glossary';
import { Partnerships } from './directory/Partnerships';
import { Regions } from './directory/Regions';
import { Sectors } from './directory/Sectors';
import { useDirectoryLive } from './directory/useDirectoryLive';

export function Directory() {
  const lang = useLang();
  // Saved on this device too: an official abroad without a network still finds counterparts.
  const state = useRemote('directory', loadDirectory, { persist: true });
  const d = state.data;
  // Live: another administrator's change re-reads only the lists it touched, laid on the data
  // shown; a saved copy (offline) is no base for that: then everything is read.
  const shown = useRef<DirectoryData | undefined>(d);
  shown.current = state.offline ? undefined : d;
  useDirectoryLive(LOADED_PARTS, (parts) => state.refresh(() => loadDirectoryParts(() => shown.current, parts)));
  const cities = useMemo(() => new Map((d?.cities ?? []).map((c) => [c.id, c])), [d]);
  const sectors = useMemo(() => new Map((d?.sectors ?? []).map((s) => [s.id, s])), [d]);
  const card: CardProps | null = d ? { data: d, cities, sectors, lang, offline: state.offline, onChanged: state.retry } : null;
  return (
    <section aria-labelledby="directory-title" class="directory">
      <h1 id="directory-title">{t('dir.title')}</h1>
      <nav aria-label={t('dir.sections')} class="section-nav">
        <ul>
          <li><a href="#dir-partnerships">{t('dir.partnerships')}</a></li>
          <li><a href="#dir-counterparts">{t('dir.counterparts')}</a></li>
          <li><a href="#dir-regions">{t('dir.regions')}</a></li>
          <li><a href="#dir-sectors">{t('dir.sectors')}</a></li>
          <li><a href="#dir-glossary">{t('dir.glossary')}</a></li>
        </ul>
      </nav>
      <RemoteNotice state={state} />
      {card && (
        <>
          <Partnerships {...card} />
          <Counterparts {...card} />
          <Regions {...card} />
          <Sectors {...card} />
        </>
      )}
      <Glossary sectors={sectors} lang={lang} offline={state.offline} />
    </section>
  );
}
