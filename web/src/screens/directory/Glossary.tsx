/** The glossary card of the directory screen: exchange terms in three languages, searched on the server. */
import { useState } from 'preact/hooks';
import { nameIn, type GlossaryTerm, type Sector } from '../../api/directory';
import type { Lang } from '../../api/types';
import { RemoteNotice } from '../../components/RemoteNotice';
import { useRemote } from '../../data/remote';
import { LANGS, t, type MessageKey } from '../../i18n';
import { dir } from './data';
import { LangCell } from './Sectors';

export function Glossary({ sectors, lang }: { sectors: Map<number, Sector>; lang: Lang }) {
  const [input, setInput] = useState('');
  const [q, setQ] = useState('');
  const state = useRemote(`glossary?q=${q}`, () => dir.glossary(q).then((p) => p.items));
  const terms: GlossaryTerm[] = state.data ?? [];
  return (
    <section aria-labelledby="dir-glossary" class="card">
      <h2 id="dir-glossary" tabIndex={-1}>{t('dir.glossary')}</h2>
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
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
