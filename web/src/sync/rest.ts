/**
 * The same mutations applied through the REST calls, one at a time, for a server that has no
 * /sync/push. Creates carry the mutation id as Idempotency-Key (a resend is not applied
 * twice) and edits carry base_version as If-Match (a stale edit is a conflict, never a silent
 * overwrite), so the outbox keeps its guarantees; answers are mapped to push results.
 */
import { ApiError, type ApiClient } from '../api/client';
import type { MutationArgs, MutationName, PushResult, WireMutation } from '../api/wire';

type Call = { method: 'POST' | 'PUT' | 'PATCH' | 'DELETE'; path: string; body?: unknown; create?: boolean; ifMatch?: boolean };

const omit = <T extends object, K extends keyof T>(o: T, ...keys: K[]): Omit<T, K> => {
  const copy = { ...o };
  for (const k of keys) delete copy[k];
  return copy;
};

/** The REST call that does what a sync mutation does. */
export function restCall(m: WireMutation): Call {
  const a = m.args as MutationArgs[MutationName] & Record<string, unknown>;
  const args = <N extends MutationName>(_n: N) => m.args as MutationArgs[N];
  switch (m.name) {
    case 'message.create': {
      const x = args('message.create');
      const files = x.attachment_ids?.length ? { attachment_ids: x.attachment_ids } : {};
      return { method: 'POST', path: `/threads/${x.thread_id}/messages`, body: { body: x.body, lang: x.lang, ...files }, create: true };
    }
    case 'message.edit': {
      const x = args('message.edit');
      return { method: 'PATCH', path: `/messages/${x.message_id}`, body: omit(x, 'message_id'), ifMatch: true };
    }
    case 'message.delete':
      return { method: 'DELETE', path: `/messages/${args('message.delete').message_id}`, ifMatch: true };
    case 'reaction.set': {
      const x = args('reaction.set');
      return { method: x.on ? 'PUT' : 'DELETE', path: `/messages/${x.message_id}/reactions/${encodeURIComponent(x.emoji)}` };
    }
    case 'meeting.update': {
      const x = args('meeting.update');
      return { method: 'PATCH', path: `/meetings/${x.meeting_id}`, body: omit(x, 'meeting_id'), ifMatch: true };
    }
    case 'agenda.create': {
      const x = args('agenda.create');
      return { method: 'POST', path: `/meetings/${x.meeting_id}/agenda`, body: omit(x, 'meeting_id'), create: true };
    }
    case 'agenda.update': {
      const x = args('agenda.update');
      return { method: 'PATCH', path: `/agenda-items/${x.agenda_item_id}`, body: omit(x, 'agenda_item_id'), ifMatch: true };
    }
    case 'agenda.reorder': {
      const x = args('agenda.reorder');
      return { method: 'PUT', path: `/meetings/${x.meeting_id}/agenda/order`, body: { item_ids: x.item_ids }, ifMatch: true };
    }
    case 'agenda.delete':
      return { method: 'DELETE', path: `/agenda-items/${args('agenda.delete').agenda_item_id}`, ifMatch: true };
    case 'minutes.update_section': {
      const x = args('minutes.update_section');
      // The section's own version travels in the body: If-Match here is the minutes version.
      const section = { ...omit(x, 'meeting_id'), base_version: m.base_version };
      return { method: 'PUT', path: `/meetings/${x.meeting_id}/minutes`, body: { sections: [section] } };
    }
    case 'minutes.resolve_conflict': {
      const x = args('minutes.resolve_conflict');
      return { method: 'DELETE', path: `/minutes-sections/${x.section_id}/conflicts/${x.copy_id}`, ifMatch: true };
    }
    case 'decision.create': {
      const x = args('decision.create');
      return { method: 'POST', path: `/meetings/${x.meeting_id}/decisions`, body: omit(x, 'meeting_id'), create: true };
    }
    case 'action_item.create': {
      const x = args('action_item.create');
      return { method: 'POST', path: `/meetings/${x.meeting_id}/action-items`, body: omit(x, 'meeting_id'), create: true };
    }
    case 'action_item.update': {
      const x = args('action_item.update');
      return { method: 'PATCH', path: `/action-items/${x.action_item_id}`, body: omit(x, 'action_item_id'), ifMatch: true };
    }
    case 'attendance.set': {
      const x = args('attendance.set');
      return { method: 'PATCH', path: `/meetings/${x.meeting_id}/participants/${x.user_id}`, body: { attendance: x.attendance }, ifMatch: true };
    }
    default:
      throw new Error(`unknown mutation ${String((a as { name?: string }).name ?? m.name)}`);
  }
}

/**
 * Applies one mutation over REST. Network failures, 401 and transient server errors are
 * thrown (the engine keeps the entry and retries); everything else becomes a result.
 */
export async function applyViaRest(api: ApiClient, m: WireMutation): Promise<PushResult> {
  const call = restCall(m);
  const headers: Record<string, string> = {};
  if (call.create) headers['Idempotency-Key'] = m.id;
  if (call.ifMatch && m.base_version !== null && m.base_version !== undefined) headers['If-Match'] = String(m.base_version);
  try {
    const entity = await api.request<Record<string, unknown> | undefined>(call.method, call.path, { body: call.body, headers });
    return { id: m.id, status: 'applied', entity: entity && typeof entity === 'object' ? entity : undefined };
  } catch (e) {
    if (!(e instanceof ApiError) || e.status === 401 || e.transient) throw e;
    const current = e.problem.current;
    // A version mismatch (412, or 409 with the current state); other 409s are refusals.
    if (e.status === 412 || (e.status === 409 && current && typeof current === 'object')) {
      return { id: m.id, status: 'conflict', current: current as Record<string, unknown> | undefined, reason: e.detail, code: e.code };
    }
    return { id: m.id, status: 'rejected', reason: e.detail, code: e.code };
  }
}
