/**
 * Editing counterpart pairs on the directory screen (administrators only, as the server
 * decides): the add/change form and the dialog for a change the server refused as stale. The
 * form, its fields and the dialog are the ones every directory editor uses (EditForm.tsx,
 * StaleEditDialog.tsx); what is particular here is that a change of holders ends the pair and
 * starts a successor with a new id, so a stale pair is looked up by its slot.
 */
import { useState } from 'preact/hooks';
import { ApiError } from '../../api/client';
import { nameIn, type City, type Counterpart, type Partnership, type Sector } from '../../api/directory';
import type { Lang, User } from '../../api/types';
import {
  changedFields,
  counterpartFieldOf,
  createBody,
  draftOf,
  emptyDraft,
  intendedChange,
  officialsOf,
  openPartnerships,
  validateChange,
  validateCreate,
  COUNTERPART_FIELDS,
  type CounterpartDraft,
  type CounterpartField,
} from '../../data/counterpartEdit';
import { partnershipLabel, sortPartnerships } from '../../data/directoryView';
import { userName } from '../../data/names';
import { useRemote } from '../../data/remote';
import { t } from '../../i18n';
import { StaleEditDialog, ShownList } from './StaleEditDialog';
import { dir } from './data';
import { EditForm, SelectField, useEditForm, useIdempotencyKey } from './EditForm';

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

export function CounterpartForm({ base, ctx, onSaved, onCancel, onStale, onRefresh }: FormProps) {
  const orgs = useRemote('directory/organizations', () => dir.organizations());
  const [draft, setDraft] = useState<CounterpartDraft>(() => (base ? draftOf(base) : emptyDraft()));
  const form = useEditForm<CounterpartField>(base ? `cp-edit-${base.id}` : 'cp-new', COUNTERPART_FIELDS);
  const keyFor = useIdempotencyKey();

  const set = (f: CounterpartField, v: string) => setDraft((d) => ({ ...d, [f]: v ? Number(v) : null }));
  const save = () =>
    form.submit({
      check: base ? validateChange(base, draft) : validateCreate(draft, ctx.current),
      fieldOf: counterpartFieldOf,
      send: async () => {
        if (base) return dir.changeCounterpart(base.id, base.version, changedFields(base, draft));
        const body = createBody(draft);
        return dir.createCounterpart(body, keyFor(body));
      },
      onSaved,
      onStale: base ? async (err) => onStale({ opened: base, action: { kind: 'change', draft }, latest: await latestOfSlot(err.problem.current, base) }) : undefined,
      // Someone filled the slot meanwhile: show the list as it is now beside the refusal.
      onConflict: onRefresh,
    });

  const names = base ? slotNames(base, ctx) : null;
  // Until the organizations are in, offer nobody new (not everyone, to be narrowed a moment
  // later); if they cannot be read, offer everyone and let the server check the country.
  const orgList = orgs.data ?? (orgs.loading ? [] : undefined);
  // The holder now and the one the draft chose stay offered (a live re-read of the people
  // must not take the draft's choice away; the server checks it on save).
  const officials = (country: 'KR' | 'CN', keep: (number | null)[]) =>
    officialsOf(ctx.users, orgList, country, ctx.lang, keep).map((u) => ({ value: u.id, label: userName(u, u.id) }));
  const field = (f: CounterpartField, label: string) => ({ id: form.id(f), label, value: draft[f], error: form.message(f), onChange: (v: string) => set(f, v) });

  return (
    <EditForm
      name="counterpart"
      form={form}
      title={names ? t('dir.edit.changeTitle', names) : t('dir.edit.addTitle')}
      hint={names ? t('dir.edit.changeHint') : undefined}
      onSubmit={() => void save()}
      onCancel={onCancel}
    >
      {!base && (
        <>
          <SelectField
            {...field('partnership_id', t('dir.col.partnership'))}
            options={sortPartnerships(openPartnerships(ctx.partnerships, draft.partnership_id), ctx.cities, ctx.lang).map((p) => ({ value: p.id, label: partnershipLabel(p, ctx.cities, ctx.lang) }))}
          />
          <SelectField {...field('sector_id', t('dir.col.sector'))} options={[...ctx.sectors.values()].map((s) => ({ value: s.id, label: nameIn(s, ctx.lang) }))} />
        </>
      )}
      <SelectField {...field('kr_user_id', t('dir.col.kr'))} options={officials('KR', [base?.kr_user_id ?? null, draft.kr_user_id])} />
      <SelectField {...field('cn_user_id', t('dir.col.cn'))} options={officials('CN', [base?.cn_user_id ?? null, draft.cn_user_id])} />
    </EditForm>
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

/** The conflict dialog for a pair: the user's change of holders (or end) and the slot's pair now. */
export function StaleDialog({ stale, ctx, onDone, onStale }: StaleProps) {
  const { opened, action, latest } = stale;
  const users = new Map(ctx.users.map((u) => [u.id, u]));
  const name = (id: number) => userName(users.get(id), id);
  const names = slotNames(opened, ctx);

  const reapply = async (now: Counterpart) => {
    try {
      if (action.kind === 'end') await dir.endCounterpart(now.id, now.version);
      else {
        const body = intendedChange(opened, action.draft, now);
        // Nothing left to send: the current pair already has the holders the user chose.
        if (Object.keys(body).length > 0) await dir.changeCounterpart(now.id, now.version, body);
      }
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 412)) throw err;
      onStale({ ...stale, latest: await latestOfSlot(err.problem.current, now) });
      return;
    }
    onDone('reapplied');
  };

  // Only the sides the user changed ("from → to"): those are what a reapply sends.
  const change = action.kind === 'change' ? changedFields(opened, action.draft) : {};
  const mine =
    action.kind === 'end' ? (
      <p>{t('dir.edit.mineEnd')}</p>
    ) : (
      <ShownList
        rows={[
          ...(change.kr_user_id !== undefined ? [{ label: t('dir.col.kr'), value: `${name(opened.kr_user_id)} → ${name(change.kr_user_id)}` }] : []),
          ...(change.cn_user_id !== undefined ? [{ label: t('dir.col.cn'), value: `${name(opened.cn_user_id)} → ${name(change.cn_user_id)}` }] : []),
        ]}
      />
    );
  return (
    <StaleEditDialog
      name="counterpart"
      shown={latest ? `${latest.id}:${latest.version}` : 'none'}
      explain={`${t('dir.edit.conflictExplain')} (${names.sector}, ${names.partnership})`}
      mine={mine}
      theirs={
        latest ? (
          <ShownList
            rows={[
              { label: t('dir.col.kr'), value: name(latest.kr_user_id) },
              { label: t('dir.col.cn'), value: name(latest.cn_user_id) },
            ]}
          />
        ) : (
          <p>{t('dir.edit.conflictEndedNow')}</p>
        )
      }
      reapply={latest ? () => reapply(latest) : null}
      onDiscard={() => onDone('discarded')}
    />
  );
}
