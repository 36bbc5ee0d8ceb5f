/**
 * The shapes that travel over POST/GET /sync and the WebSocket /api/v1/ws; mirrors the
 * server's sync and realtime modules. The sync mutation args follow the REST bodies, with the
 * target's id named after the entity (message_id, agenda_item_id, action_item_id, ...).
 */
import type { ActionItem, IsoDate, Lang, Meeting } from './types';

// ---------------------------------------------------------------- offline sync

/** Mutation names accepted by POST /sync/push, with their args. */
export interface MutationArgs {
  /** attachment_ids: files uploaded first to POST /channels/{id}/attachments (at most 20). */
  'message.create': { thread_id: number; body: string; lang: Lang; attachment_ids?: number[] };
  'message.edit': { message_id: number; body: string; lang?: Lang };
  'message.delete': { message_id: number };
  'reaction.set': { message_id: number; emoji: string; on: boolean };
  'meeting.update': { meeting_id: number } & Partial<Pick<Meeting, 'title' | 'location' | 'online_url' | 'starts_at' | 'ends_at' | 'timezone' | 'mode' | 'status'>>;
  'agenda.create': { meeting_id: number; title: string; title_lang?: Lang; presenter_id: number | null; duration_minutes: number | null };
  'agenda.update': { agenda_item_id: number; title?: string; title_lang?: Lang; presenter_id?: number | null; duration_minutes?: number | null };
  /** base_version: the meeting's agenda_version. */
  'agenda.reorder': { meeting_id: number; item_ids: number[] };
  'agenda.delete': { agenda_item_id: number };
  /** base_version: the section's version (0 for a section not written yet). */
  'minutes.update_section': { meeting_id: number; agenda_item_id: number | null; notes: string; notes_lang?: Lang };
  /** Dismisses a conflict copy once merged by hand; base_version: the section's version. */
  'minutes.resolve_conflict': { section_id: number; copy_id: number };
  'decision.create': { meeting_id: number; agenda_item_id: number | null; text: string; text_lang?: Lang };
  'action_item.create': { meeting_id: number; title: string; title_lang?: Lang; owner_id: number | null; due_date: IsoDate | null; agenda_item_id?: number | null };
  'action_item.update': { action_item_id: number; title?: string; status?: ActionItem['status']; due_date?: IsoDate | null; owner_id?: number | null };
  'attendance.set': { meeting_id: number; user_id: number; attendance: string };
}
export type MutationName = keyof MutationArgs;

/** What is sent to the server, exactly the DESIGN.md push shape. */
export interface WireMutation<N extends MutationName = MutationName> {
  id: string;
  name: N;
  args: MutationArgs[N];
  base_version: number | null;
}
export interface PushRequest {
  client_id: string;
  mutations: WireMutation[];
}
export type PushStatus = 'applied' | 'duplicate' | 'conflict' | 'rejected';
export interface PushResult {
  id: string;
  status: PushStatus;
  /** The entity after the write (applied/duplicate). */
  entity?: Record<string, unknown> & { version?: number };
  /** The server's current state (conflict). */
  current?: Record<string, unknown> & { version?: number };
  reason?: string;
  code?: string;
}
export interface PushResponse {
  results: PushResult[];
}

export type ChangeOp = 'created' | 'updated' | 'deleted';
export interface ChangeEvent {
  type: 'change';
  seq: number;
  scope: string;
  /** As the change log names them: "channel", "thread", "message", "meeting", "agenda_item",
   *  "minutes" (a summary), "minutes_section", "decision", "minutes_approval", "action_item", ... */
  entity: string;
  id: number;
  op: ChangeOp;
  version: number;
  data: Record<string, unknown>;
  mutation_id?: string;
}
export interface ResetEvent {
  type: 'reset';
  scope: string;
  seq?: number;
}
export type PullEntry = ChangeEvent | ResetEvent;
export interface PullResponse {
  changes: PullEntry[];
  cursor: number;
  has_more: boolean;
}

// ---------------------------------------------------------------- WebSocket

export type WsClientMessage =
  | { type: 'auth'; token: string }
  | { type: 'subscribe'; scopes: string[]; since: number | null }
  | { type: 'typing'; scope: string; thread_id: number };

export interface WsTyping {
  type: 'typing';
  scope: string;
  thread_id: number | null;
  user_id: number;
  display_name: string;
}
export interface WsPresence {
  type: 'presence';
  scope: string;
  user_id: number;
  status: 'online' | 'offline';
}
/** Sent once per subscribed scope: who is there now. */
export interface WsPresenceState {
  type: 'presence_state';
  scope: string;
  user_ids: number[];
}
export interface WsCaughtUp {
  type: 'caught_up';
  seq: number;
}
export interface WsError {
  type: 'error';
  code?: string;
  detail?: string;
  scope?: string;
}
export interface WsSubscriptionEnded {
  type: 'subscription_ended';
  scope: string;
  reason: string;
}
export type WsServerMessage =
  | ChangeEvent
  | WsCaughtUp
  | WsTyping
  | WsPresence
  | WsPresenceState
  | WsSubscriptionEnded
  | WsError
  | { type: 'ready'; user_id: number }
  | { type: 'pong' };
