/**
 * The exchange directory: partnerships (kind, signing date), counterpart officials with who
 * held each slot before, regions and cities, sectors, and a glossary search. Read-only except
 * for the counterpart pairs, which administrators add, change and end here
 * (CounterpartEditor.tsx); everything else is edited by CSV import or the API. The last answer
 * is saved on this device (data/remote.ts): offline the screen shows it, with writes disabled.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ApiError } from '../api/client';
import { directoryEndpoints, nameIn, type City, type Counterpart, type GlossaryTerm, type Partnership, type Sector } from '../api/directory';
import type { Lang, User } from '../api/types';
import { RemoteNotice } from '../components/RemoteNotice';
import { useRemote } from '../data/remote';
import { dayIn, partnershipLabel, regionsWithCities, sortHistory, sortPartnerships } from '../data/directoryView';
import { endedSlots, mayEditDirectory } from '../data/counterpartEdit';
import { userName } from '../data/names';
import { LANGS, t, useLang, type MessageKey } from '../i18n';
import { browserTimeZone, formatDate } from '../i18n/format';
import { api } from '../runtime';
import './directory.css';
import { useRuntime } from '../data/hooks';
import { CounterpartForm, StaleDialog, latestOfSlot, slotNames, writeError, type EditContext, type StaleWrite } from './CounterpartEditor';

const dir = directoryEndpoints(api);

interface DirectoryData {
  regions: Awaited<ReturnType<typeof dir.regions>>;
  cities: City[];
  partnerships: Partnership[];
  sectors: Sector[];
  /** Current and ended pairs: the ended ones fill the "ended pairs" table. */
  counterparts: Counterpart[];
  users: User[];
}

async function loadDirectory(): Promise<DirectoryData> {
  const [regions, cities, partnerships, sectors, counterparts, users] = await Promise.all([
    dir.regions(),
    dir.cities(),
    dir.partnerships(),
    dir.sectors(),
    dir.counterparts({ include_ended: true }),
    // Names of the officials; the directory still shows ids if the list is refused.
    dir.users().catch(() => [] as User[]),
  ]);
  return { regions, cities, partnerships, sectors, counterparts, users };
}

export function Directory() {
  const lang = useLang();
  // Saved on this device too: an official abroad without a network still finds counterparts.
  const state = useRemote('directory', loadDirectory, { persist: true });
  const d = state.data;
  const cities = useMemo(() => new Map((d?.cities ?? []).map((c) => [c.id, c])), [d]);
  const sectors = useMemo(() => new Map((d?.sectors ?? []).map((s) => [s.id, s])), [d]);
  const users = useMemo(() => new Map((d?.users ?? []).map((u) => [u.id, u])), [d]);
  const partnerships = useMemo(() => new Map((d?.partnerships ?? []).map((p) => [p.id, p])), [d]);
  const current = useMemo(() => (d?.counterparts ?? []).filter((c) => c.ended_at === null), [d]);
  const ended = useMemo(() => endedSlots(d?.counterparts ?? []), [d]);
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
      {d && (
        <>
          <Partnerships list={d.partnerships} cities={cities} lang={lang} />
          <Counterparts
            list={current}
            ended={ended}
            data={d}
            partnerships={partnerships}
            cities={cities}
            sectors={sectors}
            users={users}
            lang={lang}
            offline={state.offline}
            onChanged={state.retry}
          />
          <Regions data={d} lang={lang} />
          <Sectors list={d.sectors} />
        </>
      )}
      <Glossary sectors={sectors} lang={lang} />
    </section>
  );
}

function Partnerships({ list, cities, lang }: { list: Partnership[]; cities: Map<number, City>; lang: Lang }) {
  const sorted = sortPartnerships(list, cities, lang);
  const city = (id: number) => {
    const c = cities.get(id);
    return c ? nameIn(c, lang) : `#${id}`;
  };
  return (
    <section aria-labelledby="dir-partnerships" class="card">
      <h2 id="dir-partnerships" tabIndex={-1}>{t('dir.partnerships')}</h2>
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
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/** What a row needs to name a pair's partnership, sector and officials. */
interface RowContext {
  partnerships: Map<number, Partnership>;
  cities: Map<number, City>;
  sectors: Map<number, Sector>;
  users: Map<number, User>;
  lang: Lang;
}

interface CounterpartProps extends RowContext {
  /** The current pairs. */
  list: Counterpart[];
  /** The last pair of each slot that ended without a successor. */
  ended: Counterpart[];
  data: DirectoryData;
  /** The data is a copy kept while the server cannot be reached: writes wait for the network. */
  offline: boolean;
  /** Re-reads the directory from the server (after a write, or a write found stale). */
  onChanged: () => void;
}

function Counterparts(props: CounterpartProps) {
  const { list, ended, data, lang, offline, onChanged } = props;
  const row: RowContext = { partnerships: props.partnerships, cities: props.cities, sectors: props.sectors, users: props.users, lang };
  const rt = useRuntime();
  const canEdit = mayEditDirectory(rt?.user);
  const [editing, setEditing] = useState<{ base: Counterpart | null } | null>(null);
  const [stale, setStale] = useState<StaleWrite | null>(null);
  const [status, setStatus] = useState('');
  const headingRef = useRef<HTMLHeadingElement>(null);
  const opener = useRef<HTMLElement | null>(null);
  const ctx: EditContext = { partnerships: data.partnerships, sectors: props.sectors, cities: props.cities, users: data.users, current: list, lang };

  const open = (base: Counterpart | null) => {
    opener.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    setStatus('');
    setEditing({ base });
  };
  const cancel = () => {
    setEditing(null);
    opener.current?.focus();
  };
  // The list is re-read from the server, never patched locally; the heading takes focus and
  // the status line under it says what happened (the edited row itself gets a new id).
  const settle = (message: string) => {
    setEditing(null);
    setStale(null);
    setStatus(message);
    onChanged();
    headingRef.current?.focus();
  };
  const endPair = async (c: Counterpart) => {
    try {
      await dir.endCounterpart(c.id, c.version);
      settle(t('dir.edit.ended'));
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 412)) throw err;
      setStale({ opened: c, action: { kind: 'end' }, latest: await latestOfSlot(err.problem.current, c) });
    }
  };
  const columns = canEdit ? 7 : 6;
  // Writes are online-only REST calls: offline the controls stay in place, disabled, and say why.
  const offlineHint = canEdit && offline ? 'cp-offline-hint' : undefined;

  return (
    <section aria-labelledby="dir-counterparts" class="card">
      <h2 id="dir-counterparts" tabIndex={-1} ref={headingRef}>{t('dir.counterparts')}</h2>
      <p class="muted small status-line" role="status" aria-live="polite" data-testid="counterpart-status">{status}</p>
      {offlineHint && (
        <p id={offlineHint} class="muted small" data-testid="counterpart-offline-hint">
          {t('dir.edit.offline')}
        </p>
      )}
      {canEdit && (
        <button type="button" onClick={() => open(null)} disabled={offline} aria-describedby={offlineHint} data-testid="counterpart-add">
          {t('dir.edit.add')}
        </button>
      )}
      {editing && (
        <CounterpartForm
          key={editing.base?.id ?? 'new'}
          base={editing.base}
          ctx={ctx}
          onSaved={() => settle(t('dir.edit.saved'))}
          onCancel={cancel}
          onRefresh={onChanged}
          onStale={(s) => {
            setEditing(null);
            setStale(s);
          }}
        />
      )}
      {stale && (
        <StaleDialog
          stale={stale}
          ctx={ctx}
          onStale={setStale}
          onDone={(outcome) => {
            if (outcome === 'reapplied') settle(stale.action.kind === 'end' ? t('dir.edit.ended') : t('dir.edit.saved'));
            else settle('');
          }}
        />
      )}
      {list.length === 0 ? (
        <p class="muted">{t('dir.counterpartsEmpty')}</p>
      ) : (
        <div class="table-scroll">
          <table class="data-table" data-testid="counterparts">
            <caption class="visually-hidden">{t('dir.counterpartsCaption')}</caption>
            <PairsHead until={false} actions={canEdit} />
            {list.map((c) => (
              <CounterpartRows
                key={c.id}
                c={c}
                columns={columns}
                offline={offline}
                {...row}
                actions={canEdit ? <RowActions id={c.id} names={slotNames(c, ctx)} offlineHint={offlineHint} onEdit={() => open(c)} onEnd={() => endPair(c)} /> : null}
              />
            ))}
          </table>
        </div>
      )}
      {ended.length > 0 && (
        <>
          <h3>{t('dir.ended')}</h3>
          <div class="table-scroll">
            <table class="data-table" data-testid="ended-counterparts">
              <caption class="visually-hidden">{t('dir.endedCaption')}</caption>
              <PairsHead until={true} actions={false} />
              {ended.map((c) => (
                <CounterpartRows key={c.id} c={c} columns={7} offline={offline} {...row} testId="ended-counterpart" />
              ))}
            </table>
          </div>
        </>
      )}
    </section>
  );
}

/** The header of a table of pairs: current ones (with actions for administrators) or ended. */
function PairsHead({ until, actions }: { until: boolean; actions: boolean }) {
  return (
    <thead>
      <tr>
        <th scope="col">{t('dir.col.partnership')}</th>
        <th scope="col">{t('dir.col.sector')}</th>
        <th scope="col">{t('dir.col.kr')}</th>
        <th scope="col">{t('dir.col.cn')}</th>
        <th scope="col">{t('dir.col.since')}</th>
        {until && <th scope="col">{t('dir.col.until')}</th>}
        <th scope="col">{t('dir.col.history')}</th>
        {actions && <th scope="col">{t('dir.col.actions')}</th>}
      </tr>
    </thead>
  );
}

interface RowProps extends RowContext {
  c: Counterpart;
  columns: number;
  /** The history is a REST call per slot: without the server it cannot be opened. */
  offline: boolean;
  /** The edit/end cell (administrators only). */
  actions?: ComponentChildren;
  testId?: string;
}

function CounterpartRows({ c, partnerships, cities, sectors, users, lang, columns, offline, actions, testId = 'counterpart' }: RowProps) {
  const rt = useRuntime();
  const tz = rt?.user.timezone || browserTimeZone();
  const [open, setOpen] = useState(false);
  const history = useRemote(open ? `counterparts/${c.id}/history` : null, () => dir.counterpartHistory(c.id));
  const p = partnerships.get(c.partnership_id);
  const pLabel = p ? partnershipLabel(p, cities, lang) : `#${c.partnership_id}`;
  const sector = sectors.get(c.sector_id);
  const sLabel = sector ? nameIn(sector, lang) : `#${c.sector_id}`;
  const day = (iso: string | null) => (iso ? <time dateTime={iso}>{formatDate(dayIn(iso, tz), lang)}</time> : null);
  const historyId = `cp-history-${c.id}`;
  // An open history stays closable; a closed one says it needs the network instead of failing.
  const historyBlocked = offline && !open;
  return (
    <tbody data-testid={testId}>
      <tr>
        <th scope="row">{pLabel}</th>
        <td>{sLabel}</td>
        <td>{userName(users.get(c.kr_user_id), c.kr_user_id)}</td>
        <td>{userName(users.get(c.cn_user_id), c.cn_user_id)}</td>
        <td>{day(c.started_at)}</td>
        {c.ended_at !== null && <td>{day(c.ended_at)}</td>}
        <td>
          <button
            type="button"
            aria-expanded={open}
            aria-controls={historyId}
            disabled={historyBlocked}
            onClick={() => setOpen(!open)}
            data-testid="counterpart-history-toggle"
          >
            {open ? t('dir.hideHistory') : historyBlocked ? t('dir.historyOffline', { sector: sLabel }) : t('dir.showHistory', { sector: sLabel })}
          </button>
        </td>
        {actions}
      </tr>
      {open && (
        <tr id={historyId}>
          <td colSpan={columns}>
            <RemoteNotice state={history} />
            {history.data && (
              <table class="data-table nested" data-testid="counterpart-history">
                <caption>{t('dir.historyCaption', { sector: sLabel, partnership: pLabel })}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('dir.col.kr')}</th>
                    <th scope="col">{t('dir.col.cn')}</th>
                    <th scope="col">{t('dir.col.since')}</th>
                    <th scope="col">{t('dir.col.until')}</th>
                  </tr>
                </thead>
                <tbody>
                  {sortHistory(history.data).map((h) => (
                    <tr key={h.id}>
                      <td>{userName(users.get(h.kr_user_id), h.kr_user_id)}</td>
                      <td>{userName(users.get(h.cn_user_id), h.cn_user_id)}</td>
                      <td>{day(h.started_at)}</td>
                      <td>{h.ended_at ? day(h.ended_at) : <span class="tag">{t('dir.current')}</span>}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </td>
        </tr>
      )}
    </tbody>
  );
}

/**
 * Edit and End for one current pair. Ending asks first, in the row (no browser dialog), and
 * a refusal is shown right here.
 */
interface RowActionsProps {
  id: number;
  names: { sector: string; partnership: string };
  /** Id of the line saying why writes are off (set while the directory is a saved copy). */
  offlineHint?: string;
  onEdit: () => void;
  onEnd: () => Promise<void>;
}

function RowActions({ id, names, offlineHint, onEdit, onEnd }: RowActionsProps) {
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const endRef = useRef<HTMLButtonElement>(null);
  const confirmRef = useRef<HTMLButtonElement>(null);
  const asked = useRef(false);
  const which = <span class="visually-hidden"> ({names.sector}, {names.partnership})</span>;

  // Focus follows the question: onto "End pair" when asked, back to "End" when not ended.
  useEffect(() => {
    if (confirming) confirmRef.current?.focus();
    else if (asked.current) endRef.current?.focus();
    asked.current = confirming;
  }, [confirming]);

  const back = () => setConfirming(false);
  const end = async () => {
    setBusy(true);
    setError(null);
    try {
      await onEnd();
      setConfirming(false);
    } catch (err) {
      setError(writeError(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <td>
      {confirming ? (
        <div
          class="row-actions"
          onKeyDown={(e) => {
            if (e.key === 'Escape' && !busy) back();
          }}
        >
          <p id={`cp-end-q-${id}`} class="small">{t('dir.edit.endQuestion')}</p>
          <button
            type="button"
            class="primary"
            ref={confirmRef}
            disabled={busy || offlineHint !== undefined}
            aria-describedby={[`cp-end-q-${id}`, offlineHint].filter(Boolean).join(' ')}
            onClick={() => void end()}
            data-testid="counterpart-end-confirm"
          >
            {busy ? t('dir.edit.saving') : t('dir.edit.endConfirm')}
            {which}
          </button>{' '}
          <button type="button" disabled={busy} onClick={back} data-testid="counterpart-end-cancel">
            {t('common.cancel')}
          </button>
        </div>
      ) : (
        <div class="row-actions">
          <button type="button" onClick={onEdit} disabled={offlineHint !== undefined} aria-describedby={offlineHint} data-testid="counterpart-edit">
            {t('common.edit')}
            {which}
          </button>{' '}
          <button type="button" ref={endRef} onClick={() => setConfirming(true)} disabled={offlineHint !== undefined} aria-describedby={offlineHint} data-testid="counterpart-end">
            {t('dir.edit.end')}
            {which}
          </button>
        </div>
      )}
      {error && (
        <p class="error small" role="alert" data-testid="counterpart-end-error">
          {error}
        </p>
      )}
    </td>
  );
}

function Regions({ data, lang }: { data: DirectoryData; lang: Lang }) {
  const [country, setCountry] = useState<'KR' | 'CN' | null>(null);
  const rows = regionsWithCities(data.regions, data.cities, lang, country);
  return (
    <section aria-labelledby="dir-regions" class="card">
      <h2 id="dir-regions" tabIndex={-1}>{t('dir.regions')}</h2>
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
                <th scope="row">{r.region ? nameIn(r.region, lang) : t('dir.noRegion')}</th>
                <td>{r.region ? t(`dir.regionKind.${r.region.kind}` as MessageKey) : ''}</td>
                <td>{r.region ? t(`dir.country.${r.region.country}` as MessageKey) : ''}</td>
                <td>
                  <ul class="comma-list">
                    {r.cities.map((c) => (
                      <li key={c.id} lang={c.name_lang === lang || !c.translations[lang] ? c.name_lang : lang}>
                        {nameIn(c, lang)}
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

/** A cell in a given language, with `lang` so the right CJK glyphs are used. */
function LangCell({ text, l }: { text: string | undefined; l: Lang }) {
  return <td lang={l}>{text ?? ''}</td>;
}

function Sectors({ list }: { list: Sector[] }) {
  return (
    <section aria-labelledby="dir-sectors" class="card">
      <h2 id="dir-sectors" tabIndex={-1}>{t('dir.sectors')}</h2>
      <div class="table-scroll">
        <table class="data-table" data-testid="sectors">
          <caption class="visually-hidden">{t('dir.sectors')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('dir.col.code')}</th>
              {LANGS.map((l) => (
                <th scope="col" key={l}>{t(`lang.${l}` as MessageKey)}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {list.map((s) => (
              <tr key={s.id}>
                <th scope="row"><code>{s.code}</code></th>
                {LANGS.map((l) => (
                  <LangCell key={l} l={l} text={s.name_lang === l ? s.name : s.translations[l]} />
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function Glossary({ sectors, lang }: { sectors: Map<number, Sector>; lang: Lang }) {
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
