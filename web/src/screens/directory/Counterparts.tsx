/**
 * The counterpart officials card of the directory screen: current pairs with who held each slot
 * before, the slots whose pair ended, and for administrators Add / Edit / End
 * (CounterpartEditor.tsx).
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ApiError } from '../../api/client';
import { nameIn, type City, type Counterpart, type Partnership, type Sector } from '../../api/directory';
import type { Lang, User } from '../../api/types';
import { RemoteNotice } from '../../components/RemoteNotice';
import { endedSlots } from '../../data/counterpartEdit';
import { mayEditDirectory } from '../../data/directoryEdit';
import { dayIn, partnershipLabel, sortHistory } from '../../data/directoryView';
import { useRuntime } from '../../data/hooks';
import { userName } from '../../data/names';
import { useRemote } from '../../data/remote';
import { t } from '../../i18n';
import { browserTimeZone, formatDate } from '../../i18n/format';
import { CounterpartForm, StaleDialog, latestOfSlot, slotNames, type EditContext, type StaleWrite } from './CounterpartEditor';
import { dir, type CardProps } from './data';
import { EditBar, EditButton, offlineHintId, useEditCard } from './EditCard';
import { writeError } from './EditForm';

/** What a row needs to name a pair's partnership, sector and officials. */
interface RowContext {
  partnerships: Map<number, Partnership>;
  cities: Map<number, City>;
  sectors: Map<number, Sector>;
  users: Map<number, User>;
  lang: Lang;
}

export function Counterparts({ data, cities, sectors, lang, offline, onChanged }: CardProps) {
  const users = useMemo(() => new Map(data.users.map((u) => [u.id, u])), [data]);
  const partnerships = useMemo(() => new Map(data.partnerships.map((p) => [p.id, p])), [data]);
  const list = useMemo(() => data.counterparts.filter((c) => c.ended_at === null), [data]);
  const ended = useMemo(() => endedSlots(data.counterparts), [data]);
  const row: RowContext = { partnerships, cities, sectors, users, lang };
  const rt = useRuntime();
  const canEdit = mayEditDirectory(rt?.user);
  // The edited row itself gets a new id (a successor pair): the card's heading takes focus.
  const card = useEditCard<Counterpart, StaleWrite>(onChanged);
  const ctx: EditContext = { partnerships: data.partnerships, sectors, cities, users: data.users, current: list, lang };

  const endPair = async (c: Counterpart) => {
    try {
      await dir.endCounterpart(c.id, c.version);
      card.settle(t('dir.edit.ended'));
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 412)) throw err;
      card.setStale({ opened: c, action: { kind: 'end' }, latest: await latestOfSlot(err.problem.current, c) });
    }
  };
  const columns = canEdit ? 7 : 6;
  // Writes are online-only REST calls: offline the controls stay in place, disabled, and say why.
  const offlineHint = offlineHintId('counterpart', canEdit, offline);
  const { editing, stale } = card;

  return (
    <section aria-labelledby="dir-counterparts" class="card">
      <h2 id="dir-counterparts" tabIndex={-1} ref={card.headingRef}>{t('dir.counterparts')}</h2>
      <EditBar
        name="counterpart"
        status={card.status}
        canEdit={canEdit}
        offline={offline}
        offlineText={t('dir.edit.offline')}
        addLabel={t('dir.edit.add')}
        onAdd={() => card.open(null)}
      />
      {editing && (
        <CounterpartForm
          key={editing.base?.id ?? 'new'}
          base={editing.base}
          ctx={ctx}
          onSaved={() => card.settle(t('dir.edit.saved'))}
          onCancel={card.cancel}
          onRefresh={onChanged}
          onStale={card.toStale}
        />
      )}
      {stale && (
        <StaleDialog
          stale={stale}
          ctx={ctx}
          onStale={card.setStale}
          onDone={(outcome) => {
            if (outcome === 'reapplied') card.settle(stale.action.kind === 'end' ? t('dir.edit.ended') : t('dir.edit.saved'));
            else card.settle('');
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
                actions={canEdit ? <RowActions id={c.id} names={slotNames(c, ctx)} offlineHint={offlineHint} onEdit={() => card.open(c)} onEnd={() => endPair(c)} /> : null}
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
          <EditButton name="counterpart" which={`${names.sector}, ${names.partnership}`} offlineHint={offlineHint} onClick={onEdit} />{' '}
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

