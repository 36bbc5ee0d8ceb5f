/**
 * How cached entities are keyed: entity type names (as the change log names them), the
 * scope each belongs to (for `reset`), and the parent used to list children offline.
 */

export type Row = Record<string, unknown>;

export const ENTITY = {
  organization: 'organization',
  user: 'user',
  channel: 'channel',
  thread: 'thread',
  message: 'message',
  meeting: 'meeting',
  agenda: 'agenda_item',
  minutes: 'minutes',
  actionItem: 'action_item',
} as const;

const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);

/** Entity id used as the IndexedDB key. Minutes are one per meeting: keyed by meeting_id. */
export function idOf(type: string, data: Row): number {
  if (type === ENTITY.minutes) return num(data.meeting_id) ?? (num(data.id) as number);
  return num(data.id) as number;
}

/** The change-log scope an entity belongs to (GUESS for everything but channel/meeting/user). */
export function scopeOf(type: string, data: Row): string {
  switch (type) {
    case ENTITY.channel:
      return `channel:${data.id}`;
    case ENTITY.thread:
    case ENTITY.message:
      return `channel:${data.channel_id}`;
    case ENTITY.meeting:
      return `meeting:${data.id}`;
    case ENTITY.agenda:
    case ENTITY.minutes:
    case ENTITY.actionItem:
      return `meeting:${data.meeting_id}`;
    default:
      return '';
  }
}

/** The parent an entity is listed under ('' when it is a top-level entity). */
export function parentOf(type: string, data: Row): string {
  switch (type) {
    case ENTITY.thread:
      return `channel:${data.channel_id}`;
    case ENTITY.message:
      return `thread:${data.thread_id}`;
    case ENTITY.agenda:
    case ENTITY.minutes:
    case ENTITY.actionItem:
      return `meeting:${data.meeting_id}`;
    default:
      return '';
  }
}
