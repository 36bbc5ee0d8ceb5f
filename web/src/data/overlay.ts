/**
 * Optimistic view: cached server state with the user's not-yet-sent mutations laid over it,
 * so what you typed offline is on screen (marked "not sent yet") until the server has it.
 * Pure functions over plain data.
 */
import type { ActionItem, AgendaItem, Attachment, Decision, Lang, Message, MinutesSection, User } from '../api/types';
import type { MutationArgs } from '../api/wire';
import type { OutboxEntry } from '../sync/store';

type Args<N extends keyof MutationArgs> = MutationArgs[N];
const argsOf = <N extends keyof MutationArgs>(e: OutboxEntry, _n: N) => e.args as Args<N>;

export interface ViewMessage extends Message {
  pending?: boolean;
  /** The body changed locally: `html` is stale, show `body` as plain text. */
  localBody?: boolean;
  key: string;
}

/**
 * `attachment` names the files of a queued message (uploaded already, known by id); one it
 * does not know is shown by number.
 */
export function overlayMessages(messages: Message[], pending: OutboxEntry[], threadId: number, me: User | null, attachment: (id: number) => Attachment | undefined = () => undefined): ViewMessage[] {
  const byId = new Map<number, ViewMessage>();
  for (const m of messages) if (m.thread_id === threadId) byId.set(m.id, { ...m, key: `m${m.id}` });
  const extra: ViewMessage[] = [];
  for (const e of pending) {
    if (e.name === 'message.create') {
      const a = argsOf(e, 'message.create');
      if (a.thread_id !== threadId) continue;
      extra.push({
        id: -1,
        key: `p${e.id}`,
        thread_id: threadId,
        channel_id: 0,
        author: { id: me?.id ?? 0, username: me?.username ?? '', display_name: me?.display_name ?? '', is_bot: false },
        body: a.body,
        html: '',
        lang: a.lang,
        created_at: e.created_at,
        edited_at: null,
        deleted: false,
        version: 0,
        reactions: [],
        translations: [],
        attachments: (a.attachment_ids ?? []).map((id) => attachment(id) ?? { id, filename: `#${id}`, size: 0, content_type: '', url: `/api/v1/attachments/${id}` }),
        pending: true,
        localBody: true,
      });
    } else if (e.name === 'message.edit') {
      const a = argsOf(e, 'message.edit');
      const m = byId.get(a.message_id);
      if (m) byId.set(m.id, { ...m, body: a.body, pending: true, localBody: true });
    } else if (e.name === 'message.delete') {
      const a = argsOf(e, 'message.delete');
      const m = byId.get(a.message_id);
      if (m) byId.set(m.id, { ...m, deleted: true, pending: true });
    } else if (e.name === 'reaction.set') {
      const a = argsOf(e, 'reaction.set');
      const m = byId.get(a.message_id);
      if (!m || !me) continue;
      const reactions = m.reactions.map((r) => ({ ...r, user_ids: [...(r.user_ids ?? [])] }));
      const r = reactions.find((x) => x.emoji === a.emoji);
      const mine = !!r && r.user_ids.includes(me.id);
      if (a.on && !mine) {
        if (r) {
          r.count++;
          r.user_ids.push(me.id);
        } else reactions.push({ emoji: a.emoji, count: 1, user_ids: [me.id] });
      } else if (!a.on && r && mine) {
        r.count--;
        r.user_ids = r.user_ids.filter((u) => u !== me.id);
      }
      byId.set(m.id, { ...m, reactions: reactions.filter((x) => x.count > 0) });
    }
  }
  const list = [...byId.values()].sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id - b.id);
  return [...list, ...extra];
}

export interface ViewAgendaItem extends AgendaItem {
  pending?: boolean;
  /** For items created offline: the outbox entry id. */
  localId?: string;
  key: string;
}

export function overlayAgenda(items: AgendaItem[], pending: OutboxEntry[], meetingId: number): ViewAgendaItem[] {
  let list: ViewAgendaItem[] = items
    .filter((i) => i.meeting_id === meetingId)
    .sort((a, b) => a.position - b.position || a.id - b.id)
    .map((i) => ({ ...i, key: `a${i.id}` }));
  for (const e of pending) {
    if (e.name === 'agenda.create') {
      const a = argsOf(e, 'agenda.create');
      if (a.meeting_id !== meetingId) continue;
      list.push({
        id: -1,
        meeting_id: meetingId,
        position: list.length,
        title: a.title,
        title_lang: a.title_lang ?? 'ko',
        translations: {},
        presenter_id: a.presenter_id,
        duration_minutes: a.duration_minutes,
        attachment_ids: [],
        thread_id: null,
        version: 0,
        pending: true,
        localId: e.id,
        key: `p${e.id}`,
      });
    } else if (e.name === 'agenda.update') {
      const a = argsOf(e, 'agenda.update');
      list = list.map((i) => (i.id === a.agenda_item_id ? { ...i, ...stripId(a), pending: true } : i));
    } else if (e.name === 'agenda.delete') {
      const a = argsOf(e, 'agenda.delete');
      list = list.filter((i) => i.id !== a.agenda_item_id);
    } else if (e.name === 'agenda.reorder') {
      const a = argsOf(e, 'agenda.reorder');
      if (a.meeting_id !== meetingId) continue;
      const rank = new Map(a.item_ids.map((id, i) => [id, i]));
      list = [...list].sort((x, y) => (rank.get(x.id) ?? 1e9) - (rank.get(y.id) ?? 1e9));
    }
  }
  return list;
}

function stripId(a: Args<'agenda.update'>): Partial<AgendaItem> {
  const { agenda_item_id: _ignored, ...rest } = a;
  return rest as Partial<AgendaItem>;
}

export interface ViewSection extends MinutesSection {
  pending?: boolean;
}

/** Sections by agenda item id ('general' for null). */
export function overlaySections(sections: MinutesSection[], pending: OutboxEntry[], meetingId: number): Map<number | 'general', ViewSection> {
  const out = new Map<number | 'general', ViewSection>();
  for (const s of sections) out.set(s.agenda_item_id ?? 'general', { ...s });
  for (const e of pending) {
    if (e.name === 'minutes.resolve_conflict') {
      const a = argsOf(e, 'minutes.resolve_conflict');
      for (const [k, s] of out) if (s.id === a.section_id) out.set(k, { ...s, conflict_copies: (s.conflict_copies ?? []).filter((c) => c.id !== a.copy_id) });
      continue;
    }
    if (e.name !== 'minutes.update_section') continue;
    const a = argsOf(e, 'minutes.update_section');
    if (a.meeting_id !== meetingId) continue;
    const key = a.agenda_item_id ?? 'general';
    const prev = out.get(key);
    out.set(key, {
      id: prev?.id ?? -1,
      agenda_item_id: a.agenda_item_id,
      notes: a.notes,
      notes_html: '',
      notes_lang: a.notes_lang ?? prev?.notes_lang ?? 'ko',
      translations: prev?.translations ?? {},
      version: prev?.version ?? 0,
      updated_by: prev?.updated_by ?? 0,
      updated_at: e.created_at,
      conflict_copies: prev?.conflict_copies ?? [],
      pending: true,
    });
  }
  return out;
}

export interface ViewDecision extends Decision {
  pending?: boolean;
  key: string;
}
export function overlayDecisions(decisions: Decision[], pending: OutboxEntry[], meetingId: number): ViewDecision[] {
  const list: ViewDecision[] = decisions.map((d) => ({ ...d, key: `d${d.id}` }));
  for (const e of pending) {
    if (e.name !== 'decision.create') continue;
    const a = argsOf(e, 'decision.create');
    if (a.meeting_id !== meetingId) continue;
    list.push({
      id: -1,
      meeting_id: meetingId,
      agenda_item_id: a.agenda_item_id,
      text: a.text,
      text_lang: a.text_lang ?? 'ko',
      translations: {},
      amendment: 0,
      created_by: 0,
      version: 0,
      created_at: e.created_at,
      pending: true,
      key: `p${e.id}`,
    });
  }
  return list;
}

export interface ViewActionItem extends ActionItem {
  pending?: boolean;
  key: string;
}
export function overlayActionItems(items: ActionItem[], pending: OutboxEntry[], filter: (a: { meeting_id: number; owner_id: number | null }) => boolean): ViewActionItem[] {
  let list: ViewActionItem[] = items.filter(filter).map((i) => ({ ...i, key: `i${i.id}` }));
  for (const e of pending) {
    if (e.name === 'action_item.create') {
      const a = argsOf(e, 'action_item.create');
      if (!filter(a)) continue;
      list.push({
        id: -1,
        meeting_id: a.meeting_id,
        agenda_item_id: a.agenda_item_id ?? null,
        decision_id: null,
        title: a.title,
        title_lang: a.title_lang ?? 'ko',
        translations: {},
        owner_id: a.owner_id,
        organization_id: null,
        due_date: a.due_date,
        status: 'open',
        overdue: false,
        carried_over: false,
        created_by: 0,
        version: 0,
        created_at: e.created_at,
        updated_at: e.created_at,
        pending: true,
        key: `p${e.id}`,
      });
    } else if (e.name === 'action_item.update') {
      const a = argsOf(e, 'action_item.update');
      list = list.map((i) => {
        if (i.id !== a.action_item_id) return i;
        const { action_item_id: _id, ...rest } = a;
        return { ...i, ...rest, pending: true };
      });
    }
  }
  return list;
}

/** The translated title of an entity with {title, title_lang, translations}. */
export function localized(o: { title: string; title_lang?: Lang; translations?: Partial<Record<Lang, string>> }, lang: Lang): string {
  if (o.title_lang === lang) return o.title;
  return o.translations?.[lang] || o.title;
}
