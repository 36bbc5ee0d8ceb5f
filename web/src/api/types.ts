/**
 * Every shape the web client reads from or sends to the server's REST endpoints (Public API v1).
 * Kept in one place on purpose, so it can be reconciled with the server's schemas.
 * Mirrors the server's *Read schemas. The sync and WebSocket shapes live in ./wire.
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
  /** 409/412 answers carry the entity's current state. */
  current?: unknown;
  [extra: string]: unknown;
}
export interface FieldError {
  field: string;
  message: string;
  type?: string;
}

// ---------------------------------------------------------------- identity
// Shapes below mirror the server's *Read schemas (server/<domain>/models.py).

export interface User {
  id: number;
  username: string;
  display_name: string;
  locale: Lang;
  timezone: string;
  organization_id: number | null;
  role: 'admin' | 'member' | string;
  is_bot: boolean;
  is_active: boolean;
  version: number;
}

export interface LoginRequest {
  username: string;
  password: string;
}
export interface LoginResponse {
  token: string;
  expires_at: IsoDateTime;
  user: User;
}

export interface Organization {
  id: number;
  name: string;
  name_lang: Lang;
  translations: Translations;
  country: 'KR' | 'CN' | string;
  city: string;
  is_active: boolean;
  version: number;
}

// ---------------------------------------------------------------- discussion

export interface Channel {
  id: number;
  name: string;
  description: string;
  visibility: 'members' | 'platform';
  is_archived: boolean;
  created_by: number | null;
  my_role: string | null;
  unread_count: number;
  version: number;
}

export interface Thread {
  id: number;
  channel_id: number;
  title: string;
  created_by: number | null;
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
  /** Who reacted; "mine" is user_ids.includes(me). */
  user_ids: number[];
}
export interface MessageTranslation {
  lang: Lang;
  body: string;
  /** Rendered and sanitized by the server: the only HTML the client ever inserts. */
  html: string;
  kind: 'human' | 'bot' | 'reviewed';
  translator_id: number;
  stale: boolean;
  updated_at: IsoDateTime;
}
export interface Attachment {
  id: number;
  filename: string;
  size: number;
  content_type: string;
  url: string;
}
/** PUT /messages/{id}/translations/{lang}: people may say human or reviewed; a bot's is always bot. */
export interface TranslationPut {
  body: string;
  kind?: 'human' | 'reviewed';
}
/** GET /messages/{id}/history: the body a message had before each edit, oldest first. */
export interface MessageRevision {
  body_revision: number;
  body: string;
  lang: Lang;
  edited_by: number;
  /** When the edit replaced this body. */
  replaced_at: IsoDateTime;
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

/** GET /mentions: a message that @-mentioned the reader, newest first. */
export interface MentionRead {
  /** The mention's position in the change log (grows over time): what "seen" is measured by. */
  seq: number;
  message_id: number;
  thread_id: number;
  channel_id: number;
  thread_title: string;
  author: MessageAuthor;
  /** The first 200 characters of the message's Markdown source as posted: plain text, never HTML. */
  excerpt: string;
  lang: string;
  /** When the message was posted. */
  created_at: IsoDateTime;
}
/**
 * A `mention` change in the reader's `user:<id>` scope, as the local store keeps it (keyed by
 * message id); `seq` is the change's, added by the store (sync/entities.ts KEEPS_SEQ).
 */
export interface MentionChange {
  id: number;
  message_id: number;
  thread_id: number;
  channel_id: number;
  author_id: number;
  excerpt: string;
  seq?: number;
}

export interface SearchHit {
  kind: 'message' | 'thread' | 'meeting' | string;
  id: number;
  title: string;
  /** Sanitized by the server. */
  snippet_html: string;
  channel_id?: number | null;
  thread_id?: number | null;
  meeting_id?: number | null;
  rank: number;
}
export interface SearchResponse {
  query: string;
  items: SearchHit[];
  next_cursor?: string | null;
}

// ---------------------------------------------------------------- meetings

export type MeetingMode = 'in_person' | 'online' | 'hybrid';

/** One delegation's local time of the meeting (the server formats it in that zone). */
export interface MeetingLocalTime {
  organization_id: number;
  timezone: string;
  starts_at: string;
  ends_at: string;
}
export interface Participant {
  user_id: number;
  username: string;
  display_name: string;
  organization_id: number | null;
  role: string;
  attendance: string;
  version: number;
}
export interface Meeting {
  id: number;
  title: string;
  title_lang: Lang;
  translations: Translations;
  mode: MeetingMode;
  status: string;
  allowed_transitions: string[];
  starts_at: IsoDateTime;
  ends_at: IsoDateTime;
  timezone: string;
  local_times: MeetingLocalTime[];
  location: string;
  online_url: string | null;
  channel_id: number | null;
  series_id: number | null;
  organization_ids: number[];
  participants: Participant[];
  created_by: number;
  agenda_version: number;
  minutes_version: number;
  minutes_amendment: number;
  version: number;
  created_at: IsoDateTime;
  updated_at: IsoDateTime;
}

export interface AgendaItem {
  id: number;
  meeting_id: number;
  position: number;
  title: string;
  title_lang: Lang;
  translations: Translations;
  presenter_id: number | null;
  duration_minutes: number | null;
  attachment_ids: number[];
  thread_id: number | null;
  version: number;
}

/** An offline edit of a section that overlapped a newer edit on the server (kept, not lost). */
export interface ConflictCopy {
  id: number;
  notes: string;
  notes_lang: Lang;
  author_id: number;
  base_version: number;
  client_id: string | null;
  mutation_id: string | null;
  created_at: IsoDateTime;
}
export interface MinutesSection {
  id: number;
  /** null: the general notes (not tied to an agenda item). */
  agenda_item_id: number | null;
  notes: string;
  notes_html: string;
  notes_lang: Lang;
  translations: Translations;
  version: number;
  updated_by: number;
  updated_at: IsoDateTime;
  /** Offline edits the sync server could not merge: shown until someone resolves them. */
  conflict_copies?: ConflictCopy[];
}
export interface Decision {
  id: number;
  meeting_id: number;
  agenda_item_id: number | null;
  text: string;
  text_lang: Lang;
  translations: Translations;
  amendment: number;
  created_by: number;
  version: number;
  created_at: IsoDateTime;
}
/** An active approval of the current amendment by one delegation. */
export interface Approval {
  id: number;
  organization_id: number;
  user_id: number;
  amendment: number;
  minutes_version: number;
  approved_at: IsoDateTime;
  withdrawn_at: IsoDateTime | null;
  withdrawn_reason: string | null;
}
export interface Minutes {
  meeting_id: number;
  status: string;
  version: number;
  amendment: number;
  /** "draft" | "in_review" | "approved" */
  state: string;
  sections: MinutesSection[];
  decisions: Decision[];
  approvals: Approval[];
  pending_organization_ids: number[];
  approved_amendment: number | null;
}

/** One section of an uploaded minutes file and the agenda item it was matched to. */
export interface ProposedSection {
  index: number;
  heading: string | null;
  level: number;
  text: string;
  agenda_item_id: number | null;
  /** How it was matched: e.g. "title", "number", "fuzzy", "none". */
  method: string;
  score: number;
}
/** POST /meetings/{id}/minutes/upload answers this; confirm it to write the sections. */
export interface MinutesUpload {
  id: number;
  meeting_id: number;
  filename: string;
  content_type: string;
  kind: string;
  size: number;
  sha256: string;
  status: string;
  title: string | null;
  warnings: string[];
  sections: ProposedSection[];
  created_at: IsoDateTime;
}
export interface UploadConfirm {
  assignments?: { section_index: number; agenda_item_id: number | null }[] | null;
  notes_lang?: Lang;
}

export interface ActionItem {
  id: number;
  meeting_id: number;
  agenda_item_id: number | null;
  decision_id: number | null;
  title: string;
  title_lang: Lang;
  translations: Translations;
  owner_id: number | null;
  organization_id: number | null;
  due_date: IsoDate | null;
  status: 'open' | 'done' | 'cancelled';
  overdue: boolean;
  carried_over: boolean;
  created_by: number;
  version: number;
  created_at: IsoDateTime;
  updated_at: IsoDateTime;
}
