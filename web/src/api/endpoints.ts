/** Typed calls for each REST endpoint the screens use (paths from DESIGN.md, Public API v1). */
import type { ApiClient } from './client';
import type {
  ActionItem, AgendaItem, Channel, LoginResponse, Meeting, Message, Minutes, Organization, Page,
  SearchResponse, Thread, User,
} from './types';

export function endpoints(api: ApiClient) {
  return {
    login: (username: string, password: string) =>
      api.post<LoginResponse>('/auth/login', { username, password }),
    logout: () => api.post<void>('/auth/logout'),
    me: () => api.get<User>('/me'),
    organizations: (cursor?: string | null) =>
      api.get<Page<Organization>>('/organizations', { cursor, limit: 200 }),
    /** GUESS: a user directory readable by members (DESIGN lists GET /users as admin). */
    users: (cursor?: string | null) => api.get<Page<User>>('/users', { cursor, limit: 200 }),

    channels: (cursor?: string | null) => api.get<Page<Channel>>('/channels', { cursor, limit: 200 }),
    threads: (channelId: number, cursor?: string | null) =>
      api.get<Page<Thread>>(`/channels/${channelId}/threads`, { cursor, limit: 100 }),
    createThread: (channelId: number, title: string) =>
      api.post<Thread>(`/channels/${channelId}/threads`, { title }),
    messages: (threadId: number, cursor?: string | null) =>
      api.get<Page<Message>>(`/threads/${threadId}/messages`, { cursor, limit: 50 }),
    markRead: (threadId: number, messageId: number) =>
      api.post<void>(`/threads/${threadId}/read`, { message_id: messageId }),

    search: (q: string, kind: 'messages' | 'meetings' | 'all') =>
      api.get<SearchResponse>('/search', { q, kind }),

    meetings: (cursor?: string | null) => api.get<Page<Meeting>>('/meetings', { cursor, limit: 100 }),
    meeting: (id: number) => api.get<Meeting>(`/meetings/${id}`),
    /** GUESS: DESIGN.md only lists POST /meetings/{id}/agenda; we read the list from GET. */
    agenda: (meetingId: number) => api.get<Page<AgendaItem> | AgendaItem[]>(`/meetings/${meetingId}/agenda`),
    minutes: (meetingId: number) => api.get<Minutes>(`/meetings/${meetingId}/minutes`),
    approveMinutes: (meetingId: number) => api.post<Minutes>(`/meetings/${meetingId}/minutes/approve`),
    /** GUESS: GET /meetings/{id}/action-items (DESIGN lists only POST there). */
    meetingActionItems: (meetingId: number) =>
      api.get<Page<ActionItem>>(`/meetings/${meetingId}/action-items`, { limit: 200 }),
    myActionItems: (status: 'open' | 'done' | 'cancelled' = 'open') =>
      api.get<Page<ActionItem>>('/action-items', { owner: 'me', status, limit: 200 }),
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

/** Accepts either `{items}` or a bare array (for endpoints whose shape is a guess). */
export function itemsOf<T>(v: Page<T> | T[] | null | undefined): T[] {
  if (!v) return [];
  return Array.isArray(v) ? v : v.items ?? [];
}
