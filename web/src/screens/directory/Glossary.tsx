/**
 * The glossary card of the directory screen: exchange terms in three languages, searched on the
 * server; administrators add terms and edit the terms found (GlossaryEditor.tsx).
 */
import { useState } from 'preact/hooks';
import { nameIn, type GlossaryTerm, type Sector } from '../../api/directory';
import type { Lang } from '../../api/types';
import { RemoteNotice } from '../../components/RemoteNotice';
import { mayEditDirectory } from '../../data/directoryEdit';
import { searchAfterAdding } from '../../data/glossaryEdit';
import { useRuntime } from '../../data/hooks';
import { useRemote } from '../../data/remote';
import { LANGS, t, type MessageKey } from '../../i18n';
import { dir } from './data';
import { EditBar, EditButton, offlineHintId, useEditCard } from './EditCard';
import { GlossaryForm, glossaryEditing, termIn, type GlossaryStale } from './GlossaryEditor';
import { LangCell } from './Sectors';
import { useDirectoryLive } from './useDirectoryLive';
import { EntityConflict } from './StaleEditDialog';

const GLOSSARY_PARTS = ['glossary'] as const;

interface GlossaryProps {
  sectors: Map<number, Sector>;
  lang: Lang;
  /** The directory is a saved copy (the server cannot be reached): writes wait for the network. */
  offline: boolean;
}

export function Glossary({ sectors, lang, offline }: GlossaryProps) {
  const [input, setInput] = useState('');
  const [q, setQ] = useState('');
  const state = useRemote(`glossary?q=${q}`, () => dir.glossary(q).then((p) => p.items));
  const terms: GlossaryTerm[] = state.data ?? [];
  // A term added or edited elsewhere: the search runs again (the form open, if any, stays).
  useDirectoryLive(GLOSSARY_PARTS, () => state.refresh());
  const rt = useRuntime();
  const canEdit = mayEditDirectory(rt?.user);
  // After a write the search is run again, so the list shows what the server has.
  const card = useEditCard<GlossaryTerm, GlossaryStale>(state.retry);
  const writesOff = offline || state.offline;
  const offlineHint = offlineHintId('glossary', canEdit, writesOff);
  const { editing, stale } = card;
  // A term added while the search would not list it: the search becomes that term, so it shows.
  const added = (term: GlossaryTerm) => {
    const next = searchAfterAdding(q, term, lang);
    if (next !== q) {
      setInput(next);
      setQ(next);
    }
    card.settle(t(next !== q ? 'dir.edit.termAddedShown' : 'dir.edit.saved'));
  };
  return (
    <section aria-labelledby="dir-glossary" class="card">
      <h2 id="dir-glossary" tabIndex={-1} ref={card.headingRef}>{t('dir.glossary')}</h2>
      <EditBar
        name="glossary"
        status={card.status}
        canEdit={canEdit}
        offline={writesOff}
        offlineText={t('dir.edit.offlineAny')}
        addLabel={t('dir.edit.addTerm')}
        onAdd={() => card.open(null)}
      />
      {editing && (
        <GlossaryForm
          key={editing.base?.id ?? 'new'}
          base={editing.base}
          sectors={sectors}
          lang={lang}
          onSaved={(term) => (editing.base ? card.settle(t('dir.edit.saved')) : added(term))}
          onCancel={card.cancel}
          onStale={card.toStale}
        />
      )}
      {stale && (
        <EntityConflict spec={glossaryEditing(sectors, lang)} stale={stale} what={termIn(stale.opened, lang)} onStale={card.setStale} onDone={card.settle} />
      )}
      <form
        role="search"
        class="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          setQ(input.trim());
        }}
      >
        <div class="field grow">
          <label for="glossary-q">{t('dir.glossarySearch')}</label>
          <input id="glossary-q" type="search" value={input} onInput={(e) => setInput((e.currentTarget as HTMLInputElement).value)} data-testid="glossary-input" />
        </div>
        <div class="field">
          <button type="submit" class="primary" data-testid="glossary-submit">
            {t('dir.glossarySubmit')}
          </button>
        </div>
      </form>
      <RemoteNotice state={state} />
      <p class="muted small" role="status" aria-live="polite">
        {!state.loading && (terms.length === 0 ? t('dir.glossaryEmpty') : t('dir.glossaryCount', { n: terms.length }))}
      </p>
      {terms.length > 0 && (
        <div class="table-scroll">
          <table class="data-table" data-testid="glossary">
            <caption class="visually-hidden">{t('dir.glossaryCaption')}</caption>
            <thead>
              <tr>
                {LANGS.map((l) => (
                  <th scope="col" key={l}>{t(`lang.${l}` as MessageKey)}</th>
                ))}
                <th scope="col">{t('dir.col.sector')}</th>
                <th scope="col">{t('dir.col.note')}</th>
                {canEdit && <th scope="col">{t('dir.col.actions')}</th>}
              </tr>
            </thead>
            <tbody>
              {terms.map((term) => (
                <tr key={term.id} data-testid="glossary-term">
                  {LANGS.map((l) => (
                    <LangCell key={l} l={l} text={term.terms[l]} />
                  ))}
                  <td>{term.sector_id !== null ? nameIn(sectors.get(term.sector_id), lang) || `#${term.sector_id}` : ''}</td>
                  <td>{term.note}</td>
                  {canEdit && (
                    <td>
                      <EditButton name="glossary" which={termIn(term, lang)} offlineHint={offlineHint} onClick={() => card.open(term)} />
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
