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
  /** The minutes' summary (version, amendment, state, approvals): one per meeting. */
  minutes: 'minutes',
  minutesSection: 'minutes_section',
  decision: 'decision',
  approval: 'minutes_approval',
  actionItem: 'action_item',
  /** Someone @-mentioned the reader (scope `user:<me>`, keyed by message id). */
  mention: 'mention',
} as const;

/** Entities whose change events carry only part of the cached record: merge, don't replace. */
export const MERGED = new Set<string>([ENTITY.minutes]);

/**
 * Entities whose place in the change log is part of what they say: a mention is "new" when its
 * seq is above the last one seen (data/mentions.ts). The store keeps the change's seq in them.
 */
export const KEEPS_SEQ = new Set<string>([ENTITY.mention]);

/**
 * GET /meetings/{id}/minutes (and a minutes write's answer) returns the whole document; the
 * change log sends its parts as separate entities. Split the document the same way, so one
 * cache holds one copy of each section, decision and approval whichever way it arrived.
 */
export function splitMinutes(m: Row): { type: string; items: Row[] }[] {
  const meeting_id = m.meeting_id;
  const withMeeting = (v: unknown) => (Array.isArray(v) ? v.map((x) => ({ ...(x as Row), meeting_id })) : []);
  const { sections, decisions, approvals, ...summary } = m;
  return [
    { type: ENTITY.minutes, items: [{ ...summary, approvals }] },
    { type: ENTITY.minutesSection, items: withMeeting(sections) },
    { type: ENTITY.decision, items: withMeeting(decisions) },
    { type: ENTITY.approval, items: withMeeting(approvals) },
  ];
}

const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);

/** Entity id used as the IndexedDB key. Minutes are one per meeting: keyed by meeting_id. */
export function idOf(type: string, data: Row): number {
  if (type === ENTITY.minutes) return num(data.meeting_id) ?? (num(data.id) as number);
  return num(data.id) as number;
}

/** The change-log scope an entity belongs to (as the server domains record it). */
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
    case ENTITY.minutesSection:
    case ENTITY.decision:
    case ENTITY.approval:
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
    case ENTITY.minutesSection:
    case ENTITY.decision:
    case ENTITY.approval:
    case ENTITY.actionItem:
      return `meeting:${data.meeting_id}`;
    default:
      return '';
  }
}
