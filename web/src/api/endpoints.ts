/** Typed calls for each REST endpoint the screens use (paths from DESIGN.md, Public API v1). */
import type { ApiClient } from './client';
import type {
  ActionItem, AgendaItem, Channel, Lang, LoginResponse, Meeting, MentionRead, Message, MessageRevision,
  Minutes, Organization, Page, SearchResponse, Thread, TranslationPut, UploadConfirm, User,
} from './types';

export function endpoints(api: ApiClient) {
  return {
    login: (username: string, password: string) =>
      api.post<LoginResponse>('/auth/login', { username, password }),
    logout: () => api.post<void>('/auth/logout'),
    me: () => api.get<User>('/me'),
    organizations: (cursor?: string | null) =>
      api.get<Page<Organization>>('/organizations', { cursor, limit: 200 }),
    /** People: readable with the directory:read scope (every person has it; bots may not). */
    users: (cursor?: string | null) => api.get<Page<User>>('/users', { cursor, limit: 200 }),

    channels: (cursor?: string | null) => api.get<Page<Channel>>('/channels', { cursor, limit: 200 }),
    threads: (channelId: number, cursor?: string | null) =>
      api.get<Page<Thread>>(`/channels/${channelId}/threads`, { cursor, limit: 100 }),
    createThread: (channelId: number, title: string) =>
      api.post<Thread>(`/channels/${channelId}/threads`, { title }),
    thread: (threadId: number) => api.get<Thread>(`/threads/${threadId}`),
    messages: (threadId: number, cursor?: string | null) =>
      api.get<Page<Message>>(`/threads/${threadId}/messages`, { cursor, limit: 50 }),
    /**
     * Adds or replaces the message's translation into `lang`; answers the whole message. With
     * `version` (the message's, as the user saw it), 412 when the message changed meanwhile.
     */
    putTranslation: (messageId: number, lang: Lang, body: TranslationPut, version?: number) =>
      api.put<Message>(`/messages/${messageId}/translations/${encodeURIComponent(lang)}`, body, version === undefined ? {} : { headers: { 'If-Match': String(version) } }),
    /** Takes back a file its uploader attached to no message (204). */
    deleteAttachment: (attachmentId: number) => api.delete<void>(`/attachments/${attachmentId}`),
    messageHistory: (messageId: number) => api.get<MessageRevision[]>(`/messages/${messageId}/history`),
    markRead: (threadId: number, messageId: number) =>
      api.post<void>(`/threads/${threadId}/read`, { message_id: messageId }),

    /** Messages that @-mentioned me, newest first, in channels I can still read. */
    mentions: (cursor?: string | null) => api.get<Page<MentionRead>>('/mentions', { cursor, limit: 50 }),

    /** Ranked hits, a page at a time (``cursor`` from the previous page's ``next_cursor``);
     *  with ``channelId``, only that channel's messages and threads. */
    search: (q: string, kind: 'messages' | 'meetings' | 'all', cursor?: string | null, channelId?: number | null) =>
      api.get<SearchResponse>('/search', { q, kind, cursor, channel_id: channelId }),

    meetings: (cursor?: string | null) => api.get<Page<Meeting>>('/meetings', { cursor, limit: 100 }),
    meeting: (id: number) => api.get<Meeting>(`/meetings/${id}`),
    agenda: (meetingId: number) => api.get<AgendaItem[]>(`/meetings/${meetingId}/agenda`),
    minutes: (meetingId: number) => api.get<Minutes>(`/meetings/${meetingId}/minutes`),
    approveMinutes: (meetingId: number, organizationId?: number | null) =>
      api.post<Minutes>(`/meetings/${meetingId}/minutes/approve`, organizationId ? { organization_id: organizationId } : undefined),
    /** Writes an uploaded file's sections into the minutes (assignments default to the proposal). */
    confirmUpload: (meetingId: number, uploadId: number, body: UploadConfirm) =>
      api.post<Minutes>(`/meetings/${meetingId}/minutes/uploads/${uploadId}/confirm`, body),
    meetingActionItems: (meetingId: number) => api.get<ActionItem[]>(`/meetings/${meetingId}/action-items`),
    myActionItems: (status: 'open' | 'done' | 'cancelled' = 'open', cursor?: string | null) =>
      api.get<Page<ActionItem>>('/action-items', { owner: 'me', status, cursor, limit: 200 }),
  };
}

export type Endpoints = ReturnType<typeof endpoints>;

/** Reads every page of a list endpoint. */
export async function allPages<T>(load: (cursor: string | null) => Promise<Page<T>>, max = 20): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < max; i++) {
    const page: Page<T> = await load(cursor);
    out.push(...page.items);
    if (!page.next_cursor) break;
    cursor = page.next_cursor;
  }
  return out;
}
