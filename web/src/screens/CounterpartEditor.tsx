/**
 * Editing counterpart pairs on the directory screen (administrators only, as the server
 * decides): the add/change form and the dialog for a change the server refused as stale.
 * Online-only REST writes: nothing changes on screen until the server answered 2xx, and every
 * refusal is shown with the server's own words.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, NetworkError } from '../api/client';
import { directoryEndpoints, nameIn, type City, type Counterpart, type CounterpartCreate, type Partnership, type Sector } from '../api/directory';
import type { Lang, User } from '../api/types';
import {
  changedFields,
  createBody,
  draftOf,
  emptyDraft,
  hasErrors,
  intendedChange,
  officialsOf,
  openPartnerships,
  serverErrors,
  validateChange,
  validateCreate,
  COUNTERPART_FIELDS,
  type CounterpartDraft,
  type CounterpartField,
  type DraftErrors,
  type ServerErrors,
} from '../data/counterpartEdit';
import { partnershipLabel, sortPartnerships } from '../data/directoryView';
import { userName } from '../data/names';
import { useRemote } from '../data/remote';
import { t } from '../i18n';
import { api } from '../runtime';
import { uuid } from '../sync/uuid';

const dir = directoryEndpoints(api);

/** What the form and the dialog need to name things and check a draft. */
export interface EditContext {
  partnerships: Partnership[];
  sectors: Map<number, Sector>;
  cities: Map<number, City>;
  users: User[];
  /** The current pairs (a new pair may not take a held slot). */
  current: Counterpart[];
  lang: Lang;
}

/** A write the server refused as stale (412): what the user meant, on which pair, and the slot's pair now. */
export interface StaleWrite {
  opened: Counterpart;
  action: { kind: 'change'; draft: CounterpartDraft } | { kind: 'end' };
  /** The slot's current pair now; null when nobody holds it any more. */
  latest: Counterpart | null;
}

/** The user-facing line for a failed write: offline, refused (403), or the server's detail. */
export function writeError(e: unknown): string {
  if (e instanceof NetworkError) return t('error.offline');
  if (e instanceof ApiError) return e.status === 403 ? t('dir.edit.forbidden', { detail: e.detail }) : t('dir.edit.failed', { detail: e.detail });
  return t('error.generic', { detail: e instanceof Error ? e.message : String(e) });
}

/**
 * The slot's pair as it is now. A 412 carries the refused pair's current state, but a change
 * by someone else ends that pair and starts a successor with a new id: ask for the slot.
 */
export async function latestOfSlot(current: unknown, opened: Counterpart): Promise<Counterpart | null> {
  const c = current as Partial<Counterpart> | undefined;
  if (c && typeof c.id === 'number' && c.ended_at === null) return c as Counterpart;
  const list = await dir.counterparts({ partnership_id: opened.partnership_id, sector_id: opened.sector_id });
  return list[0] ?? null;
}

/** "Economy and trade, Seoul – Beijing": names for a pair's headings and labels. */
export function slotNames(c: Pick<Counterpart, 'partnership_id' | 'sector_id'>, ctx: Pick<EditContext, 'partnerships' | 'sectors' | 'cities' | 'lang'>) {
  const p = ctx.partnerships.find((x) => x.id === c.partnership_id);
  const s = ctx.sectors.get(c.sector_id);
  return {
    partnership: p ? partnershipLabel(p, ctx.cities, ctx.lang) : `#${c.partnership_id}`,
    sector: s ? nameIn(s, ctx.lang) : `#${c.sector_id}`,
  };
}

interface FormProps {
  /** The pair whose holders change; null adds a new pair. */
  base: Counterpart | null;
  ctx: EditContext;
  onSaved: () => void;
  onCancel: () => void;
  onStale: (stale: StaleWrite) => void;
  /** Re-reads the list, the form staying open (a 409: the slot was filled meanwhile). */
  onRefresh: () => void;
}

interface Refusal extends ServerErrors {
  detail: string;
}

export function CounterpartForm({ base, ctx, onSaved, onCancel, onStale, onRefresh }: FormProps) {
  const orgs = useRemote('directory/organizations', () => dir.organizations());
  const [draft, setDraft] = useState<CounterpartDraft>(() => (base ? draftOf(base) : emptyDraft()));
  const [errors, setErrors] = useState<DraftErrors>({});
  const [refusal, setRefusal] = useState<Refusal | null>(null);
  const [saving, setSaving] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  const refusalRef = useRef<HTMLDivElement>(null);
  // One key per body: resending the same pair after a timeout cannot add it twice.
  const idem = useRef<{ body: string; key: string } | null>(null);
  const prefix = base ? `cp-edit-${base.id}` : 'cp-new';

  useEffect(() => {
    formRef.current?.querySelector<HTMLSelectElement>('select')?.focus();
  }, []);
  useEffect(() => {
    if (refusal) refusalRef.current?.focus();
  }, [refusal]);

  const set = (f: CounterpartField, v: string) => setDraft((d) => ({ ...d, [f]: v ? Number(v) : null }));
  const focusField = (f: CounterpartField | undefined) => f && document.getElementById(`${prefix}-${f}`)?.focus();

  const keyFor = (body: CounterpartCreate): string => {
    const json = JSON.stringify(body);
    if (idem.current?.body !== json) idem.current = { body: json, key: uuid() };
    return idem.current.key;
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    if (saving) return;
    const found = base ? validateChange(base, draft) : validateCreate(draft, ctx.current);
    setErrors(found);
    setRefusal(null);
    if (hasErrors(found)) {
      focusField(COUNTERPART_FIELDS.find((f) => found[f]));
      return;
    }
    setSaving(true);
    try {
      if (base) await dir.changeCounterpart(base.id, base.version, changedFields(base, draft));
      else {
        const body = createBody(draft);
        await dir.createCounterpart(body, keyFor(body));
      }
      onSaved();
    } catch (err) {
      if (base && err instanceof ApiError && err.status === 412) {
        try {
          onStale({ opened: base, action: { kind: 'change', draft }, latest: await latestOfSlot(err.problem.current, base) });
          return;
        } catch (again) {
          err = again;
        }
      }
      // Someone filled the slot meanwhile: show the list as it is now beside the refusal.
      if (err instanceof ApiError && err.status === 409) onRefresh();
      setRefusal({ detail: writeError(err), ...serverErrors(err instanceof ApiError ? err.errors : []) });
    } finally {
      setSaving(false);
    }
  };

  const message = (f: CounterpartField) => (errors[f] ? t(errors[f]) : refusal?.fields[f]);
  const names = base ? slotNames(base, ctx) : null;
  // Until the organizations are in, offer nobody new (not everyone, to be narrowed a moment
  // later); if they cannot be read, offer everyone and let the server check the country.
  const orgList = orgs.data ?? (orgs.loading ? [] : undefined);
  const officials = (country: 'KR' | 'CN', keep: number | null) =>
    officialsOf(ctx.users, orgList, country, ctx.lang, keep).map((u) => ({ value: u.id, label: userName(u, u.id) }));
  const titleId = `${prefix}-title`;

  return (
    <form
      ref={formRef}
      class="counterpart-form"
      aria-labelledby={titleId}
      aria-busy={saving}
      noValidate
      data-testid="counterpart-form"
      onSubmit={(e) => void submit(e)}
      onKeyDown={(e) => {
        if (e.key === 'Escape' && !saving) {
          e.preventDefault();
          onCancel();
        }
      }}
    >
      <h3 id={titleId}>{names ? t('dir.edit.changeTitle', names) : t('dir.edit.addTitle')}</h3>
      {names && <p class="muted small">{t('dir.edit.changeHint')}</p>}
      <fieldset disabled={saving}>
        {!base && (
          <>
            <SelectField
              id={`${prefix}-partnership_id`}
              label={t('dir.col.partnership')}
              value={draft.partnership_id}
              options={sortPartnerships(openPartnerships(ctx.partnerships), ctx.cities, ctx.lang).map((p) => ({ value: p.id, label: partnershipLabel(p, ctx.cities, ctx.lang) }))}
              error={message('partnership_id')}
              onChange={(v) => set('partnership_id', v)}
            />
            <SelectField
              id={`${prefix}-sector_id`}
              label={t('dir.col.sector')}
              value={draft.sector_id}
              options={[...ctx.sectors.values()].map((s) => ({ value: s.id, label: nameIn(s, ctx.lang) }))}
              error={message('sector_id')}
              onChange={(v) => set('sector_id', v)}
            />
          </>
        )}
        <SelectField
          id={`${prefix}-kr_user_id`}
          label={t('dir.col.kr')}
          value={draft.kr_user_id}
          options={officials('KR', base?.kr_user_id ?? null)}
          error={message('kr_user_id')}
          onChange={(v) => set('kr_user_id', v)}
        />
        <SelectField
          id={`${prefix}-cn_user_id`}
          label={t('dir.col.cn')}
          value={draft.cn_user_id}
          options={officials('CN', base?.cn_user_id ?? null)}
          error={message('cn_user_id')}
          onChange={(v) => set('cn_user_id', v)}
        />
        {errors.form && (
          <p class="error" role="alert" data-testid="counterpart-form-error">
            {t(errors.form)}
          </p>
        )}
        {refusal && (
          <div class="error" role="alert" tabIndex={-1} ref={refusalRef} data-testid="counterpart-form-error">
            <p>{refusal.detail}</p>
            {refusal.other.length > 0 && (
              <ul>
                {refusal.other.map((m, i) => (
                  <li key={i}>{m}</li>
                ))}
              </ul>
            )}
          </div>
        )}
        <div class="actions">
          <button type="submit" class="primary" data-testid="counterpart-save">
            {saving ? t('dir.edit.saving') : t('common.save')}
          </button>
          <button type="button" onClick={onCancel} data-testid="counterpart-cancel">
            {t('common.cancel')}
          </button>
        </div>
      </fieldset>
    </form>
  );
}

interface SelectFieldProps {
  id: string;
  label: string;
  value: number | null;
  options: { value: number; label: string }[];
  /** Already translated (a client check) or the server's own message. */
  error: string | undefined;
  onChange: (value: string) => void;
}

function SelectField({ id, label, value, options, error, onChange }: SelectFieldProps) {
  const errorId = `${id}-error`;
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <select
        id={id}
        required
        value={value === null ? '' : String(value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? errorId : undefined}
        onChange={(e) => onChange((e.currentTarget as HTMLSelectElement).value)}
      >
        <option value="">{t('dir.edit.choose')}</option>
        {options.map((o) => (
          <option key={o.value} value={String(o.value)}>
            {o.label}
          </option>
        ))}
      </select>
      {error && (
        <p id={errorId} class="error small" data-testid="field-error">
          {error}
        </p>
      )}
    </div>
  );
}

interface StaleProps {
  stale: StaleWrite;
  ctx: EditContext;
  /** Called after the write reached the server (reapplied), or when the user discards. */
  onDone: (outcome: 'reapplied' | 'discarded') => void;
  /** Refused as stale once more: show the newer state. */
  onStale: (stale: StaleWrite) => void;
}

/**
 * "Someone changed this": the user's version next to the server's current one, then reapply
 * (on top of the current pair, with its version) or discard. Never overwrites on its own.
 */
export function StaleDialog({ stale, ctx, onDone, onStale }: StaleProps) {
  const { opened, action, latest } = stale;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const users = new Map(ctx.users.map((u) => [u.id, u]));
  const name = (id: number) => userName(users.get(id), id);
  const names = slotNames(opened, ctx);

  useEffect(() => {
    setError(null);
    headingRef.current?.focus();
  }, [latest?.id, latest?.version]);

  const reapply = async () => {
    if (!latest || busy) return;
    setBusy(true);
    setError(null);
    try {
      if (action.kind === 'end') await dir.endCounterpart(latest.id, latest.version);
      else {
        const body = intendedChange(opened, action.draft, latest);
        // Nothing left to send: the current pair already has the holders the user chose.
        if (Object.keys(body).length > 0) await dir.changeCounterpart(latest.id, latest.version, body);
      }
      onDone('reapplied');
    } catch (err) {
      if (err instanceof ApiError && err.status === 412) {
        try {
          onStale({ ...stale, latest: await latestOfSlot(err.problem.current, latest) });
          return;
        } catch (again) {
          err = again;
        }
      }
      setError(writeError(err));
    } finally {
      setBusy(false);
    }
  };

  // Only the sides the user changed ("from → to"): those are what a reapply sends.
  const change = action.kind === 'change' ? changedFields(opened, action.draft) : {};
  const mine =
    action.kind === 'end' ? (
      <p>{t('dir.edit.mineEnd')}</p>
    ) : (
      <dl class="holders">
        {change.kr_user_id !== undefined && <Holder label={t('dir.col.kr')} value={`${name(opened.kr_user_id)} → ${name(change.kr_user_id)}`} />}
        {change.cn_user_id !== undefined && <Holder label={t('dir.col.cn')} value={`${name(opened.cn_user_id)} → ${name(change.cn_user_id)}`} />}
      </dl>
    );
  return (
    <div class="modal-backdrop">
      <div
        class="modal"
        role="dialog"
        aria-modal="true"
        aria-labelledby="cp-stale-title"
        aria-describedby="cp-stale-explain"
        data-testid="counterpart-conflict"
        onKeyDown={(e) => {
          // Escape is the safe way out: it keeps the server's version.
          if (e.key === 'Escape' && !busy) onDone('discarded');
        }}
      >
        <h2 id="cp-stale-title" tabIndex={-1} ref={headingRef}>
          {t('conflict.title')}
        </h2>
        <p id="cp-stale-explain">
          {t('dir.edit.conflictExplain')} ({names.sector}, {names.partnership})
        </p>
        <div class="compare">
          <section data-testid="conflict-mine">
            <h3>{t('conflict.mine')}</h3>
            {mine}
          </section>
          <section data-testid="conflict-theirs">
            <h3>{t('conflict.theirs')}</h3>
            {latest ? (
              <dl class="holders">
                <Holder label={t('dir.col.kr')} value={name(latest.kr_user_id)} />
                <Holder label={t('dir.col.cn')} value={name(latest.cn_user_id)} />
              </dl>
            ) : (
              <p>{t('dir.edit.conflictEndedNow')}</p>
            )}
          </section>
        </div>
        {error && (
          <p class="error" role="alert" data-testid="conflict-error">
            {error}
          </p>
        )}
        <div class="actions">
          {latest && (
            <button type="button" class="primary" disabled={busy} onClick={() => void reapply()} data-testid="conflict-reapply">
              {busy ? t('dir.edit.saving') : t('dir.edit.reapply')}
            </button>
          )}
          <button type="button" disabled={busy} onClick={() => onDone('discarded')} data-testid="conflict-discard">
            {t('dir.edit.discard')}
          </button>
        </div>
      </div>
    </div>
  );
}

function Holder({ label, value }: { label: string; value: string }) {
  return (
    <>
      <dt>{label}</dt>
      <dd>{value}</dd>
    </>
  );
}
