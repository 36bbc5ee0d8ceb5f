/**
 * Every shape the web client reads from or sends to the server (Public API v1).
 * Kept in ONE file on purpose, so it can be reconciled with the server's schemas.
 * Fields marked GUESS are not (yet) pinned down by DESIGN.md; see web/README.md.
 */

export type Lang = 'ko' | 'zh-Hans' | 'en';
export type Translations = Partial<Record<Lang, string>>;
export type IsoDateTime = string; // "2025-05-01T01:00:00Z"
export type IsoDate = string; // "2025-05-01"

/** Every list endpoint answers this; pass `?cursor=&limit=` for the next page. */
export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

/** application/problem+json (RFC 9457), as server/core/errors.py writes it. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  detail: string;
  errors?: FieldError[];
  /** 409/412 answers carry the entity's current state (GUESS: the key name). */
  current?: unknown;
  [extra: string]: unknown;
}
export interface FieldError {
  field: string;
  message: string;
  type?: string;
}

// ---------------------------------------------------------------- identity

export interface User {
  id: number;
  username: string;
  display_name: string;
  locale: Lang;
  timezone: string;
  organization_id: number | null;
  role: 'admin' | 'member';
  is_bot: boolean;
  is_active: boolean;
}

export interface LoginRequest {
  username: string;
  password: string;
}
export interface LoginResponse {
  token: string;
  user: User;
}

export interface Organization {
  id: number;
  name: string;
  name_lang: Lang;
  translations: Translations;
  country: 'KR' | 'CN';
  city: string;
}

// ---------------------------------------------------------------- discussion

export interface Channel {
  id: number;
  name: string;
  description: string;
  visibility: 'members' | 'platform';
  my_role: string | null;
  unread_count: number;
  version: number;
}

export interface Thread {
  id: number;
  channel_id: number;
  title: string;
  created_by: number;
  created_at: IsoDateTime;
  last_message_at: IsoDateTime | null;
  message_count: number;
  unread_count: number;
  version: number;
}

export interface MessageAuthor {
  id: number;
  username: string;
  display_name: string;
  is_bot: boolean;
}
export interface Reaction {
  emoji: string;
  count: number;
  me: boolean;
}
export interface MessageTranslation {
  lang: Lang;
  body: string;
  /** Rendered and sanitized by the server: the only HTML the client ever inserts. */
  html: string;
  kind: 'human' | 'bot' | 'reviewed';
  translator_id: number | null;
  stale: boolean;
}
export interface Attachment {
  id: number;
  filename: string;
  size: number;
  content_type: string;
  url: string;
}
export interface Message {
  id: number;
  thread_id: number;
  channel_id: number;
  author: MessageAuthor;
  body: string;
  /** Markdown rendered and sanitized by the server. */
  html: string;
  lang: Lang;
  created_at: IsoDateTime;
  edited_at: IsoDateTime | null;
  deleted: boolean;
  version: number;
  reactions: Reaction[];
  translations: MessageTranslation[];
  attachments: Attachment[];
}

export interface SearchHit {
  kind: 'message' | 'meeting' | string;
  id: number;
  title: string;
  /** Sanitized by the server. */
  snippet_html: string;
  channel_id?: number;
  thread_id?: number;
  meeting_id?: number;
}
export interface SearchResponse {
  items: SearchHit[];
  next_cursor?: string | null;
}

// ---------------------------------------------------------------- meetings

export type MeetingMode = 'in_person' | 'online' | 'hybrid';

export interface MeetingLocalTime {
  organization_id: number;
  timezone: string;
  starts_at_local: string;
  ends_at_local: string;
}
export interface Participant {
  user_id: number;
  role: string;
  attendance: string | null;
}
export interface Meeting {
  id: number;
  title: string;
  title_lang: Lang;
  translations: Translations;
  mode: MeetingMode;
  status: string;
  starts_at: IsoDateTime;
  ends_at: IsoDateTime;
  timezone: string;
  location: string | null;
  online_url: string | null;
  channel_id: number | null;
  organization_ids: number[];
  local_times: MeetingLocalTime[];
  participants: Participant[];
  version: number;
}

export interface AgendaItem {
  id: number;
  meeting_id: number;
  position: number;
  title: string;
  presenter_id: number | null;
  duration_minutes: number | null;
  thread_id: number | null;
  version: number;
}

export interface ConflictCopy {
  id: number;
  text: string;
  author_id: number;
  created_at: IsoDateTime;
}
export interface MinutesSection {
  agenda_item_id: number | null;
  notes: string;
  notes_html: string;
  version: number;
  conflict_copies: ConflictCopy[];
}
export interface Decision {
  id: number;
  agenda_item_id: number | null;
  text: string;
  version: number;
}
export interface Approval {
  organization_id: number;
  approved: boolean;
  approved_by: number | null;
  approved_at: IsoDateTime | null;
}
export interface Minutes {
  meeting_id: number;
  version: number;
  state: string;
  sections: MinutesSection[];
  decisions: Decision[];
  approvals: Approval[];
}

export interface UploadedSection {
  heading: string;
  text: string;
}
export interface SectionMapping {
  section_index: number;
  agenda_item_id: number | null;
  method: string;
}
export interface MinutesUploadResponse {
  file_id: number;
  kind: string;
  sections: UploadedSection[];
  mapping: SectionMapping[];
}

export interface ActionItem {
  id: number;
  meeting_id: number;
  title: string;
  owner_id: number | null;
  organization_id: number | null;
  due_date: IsoDate | null;
  status: 'open' | 'done' | 'cancelled';
  decision_id: number | null;
  version: number;
  overdue: boolean;
}

// ---------------------------------------------------------------- offline sync

/** Mutation names accepted by POST /sync/push, with their args. */
export interface MutationArgs {
  'message.create': { thread_id: number; body: string; lang: Lang };
  'message.edit': { message_id: number; body: string };
  'message.delete': { message_id: number }; // GUESS: arg name
  'reaction.set': { message_id: number; emoji: string; on: boolean };
  'meeting.update': { meeting_id: number } & Partial<Pick<Meeting, 'title' | 'location' | 'online_url' | 'starts_at' | 'ends_at' | 'timezone' | 'mode'>>; // GUESS
  'agenda.create': { meeting_id: number; title: string; presenter_id: number | null; duration_minutes: number | null };
  'agenda.update': { agenda_item_id: number; title?: string; presenter_id?: number | null; duration_minutes?: number | null }; // GUESS: arg names
  'agenda.reorder': { meeting_id: number; item_ids: number[] };
  'agenda.delete': { agenda_item_id: number }; // GUESS: arg name
  'minutes.update_section': { meeting_id: number; agenda_item_id: number | null; notes: string };
  'decision.create': { meeting_id: number; agenda_item_id: number | null; text: string }; // GUESS
  'action_item.create': { meeting_id: number; title: string; owner_id: number | null; due_date: IsoDate | null };
  'action_item.update': { action_item_id: number; title?: string; status?: ActionItem['status']; due_date?: IsoDate | null; owner_id?: number | null }; // GUESS: arg names
  'attendance.set': { meeting_id: number; user_id: number; attendance: string }; // GUESS
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
  /** "channel" | "thread" | "message" | "meeting" | "agenda_item" | "minutes" | "action_item" | ... (GUESS: the names) */
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
  thread_id: number;
  /** GUESS: user_id and/or user {id, display_name}. */
  user_id?: number;
  user?: { id: number; display_name?: string; username?: string };
  display_name?: string;
}
export interface WsPresence {
  type: 'presence';
  /** GUESS: user_id + status ("online" | "offline"), optional scope. */
  user_id?: number;
  user?: { id: number; display_name?: string };
  status?: string;
  online?: boolean;
  scope?: string;
}
export interface WsCaughtUp {
  type: 'caught_up';
  seq: number;
}
export interface WsError {
  type: 'error';
  code?: string;
  detail?: string;
}
export type WsServerMessage = ChangeEvent | WsCaughtUp | WsTyping | WsPresence | WsError;
