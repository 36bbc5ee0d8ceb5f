import { describe, expect, it } from 'vitest';
import type { Message, User } from '../src/api/types';
import { overlayAgenda, overlayMessages, overlaySections } from '../src/data/overlay';
import type { OutboxEntry } from '../src/sync/store';

const entry = (name: OutboxEntry['name'], args: object, id = Math.random().toString()): OutboxEntry => ({ id, name, args: args as never, base_version: 1, created_at: '2025-05-20T01:00:00Z', sent: false, attempts: 0 });
const me = { id: 7, username: 'kim', display_name: 'Kim' } as User;
const msg = (id: number, body: string): Message => ({ id, thread_id: 1, channel_id: 3, author: { id: 7, username: 'kim', display_name: 'Kim', is_bot: false }, body, html: `<p>${body}</p>`, lang: 'ko', created_at: `2025-05-19T0${id}:00:00Z`, edited_at: null, deleted: false, version: 1, reactions: [], translations: [], attachments: [] });

describe('optimistic overlay', () => {
  it('shows queued messages, edits and reactions', () => {
    const out = overlayMessages([msg(1, 'a'), msg(2, 'b')], [entry('message.create', { thread_id: 1, body: 'new', lang: 'en' }), entry('message.edit', { message_id: 2, body: 'b2' }), entry('reaction.set', { message_id: 1, emoji: '👍', on: true }), entry('message.create', { thread_id: 9, body: 'elsewhere', lang: 'en' })], 1, me);
    expect(out.map((m) => m.body)).toEqual(['a', 'b2', 'new']);
    expect(out[1]).toMatchObject({ pending: true, localBody: true });
    expect(out[0].reactions).toEqual([{ emoji: '👍', count: 1, user_ids: [7] }]);
    expect(out[2].author.id).toBe(7);
  });

  it('un-reacting removes my id from the server reaction', () => {
    const m = { ...msg(1, 'a'), reactions: [{ emoji: '👍', count: 2, user_ids: [7, 8] }] };
    const out = overlayMessages([m], [entry('reaction.set', { message_id: 1, emoji: '👍', on: false })], 1, me);
    expect(out[0].reactions).toEqual([{ emoji: '👍', count: 1, user_ids: [8] }]);
  });

  it('applies agenda creates, updates, deletes and reorder', () => {
    const items = [1, 2, 3].map((id) => ({ id, meeting_id: 5, position: id, title: `t${id}`, title_lang: 'ko' as const, translations: {}, presenter_id: null, duration_minutes: null, attachment_ids: [], thread_id: null, version: 1 }));
    const out = overlayAgenda(items, [entry('agenda.reorder', { meeting_id: 5, item_ids: [3, 1, 2] }), entry('agenda.update', { agenda_item_id: 1, title: 'T1' }), entry('agenda.delete', { agenda_item_id: 2 }), entry('agenda.create', { meeting_id: 5, title: 'new', presenter_id: null, duration_minutes: 5 })], 5);
    expect(out.map((i) => i.title)).toEqual(['t3', 'T1', 'new']);
  });

  it('shows queued minutes notes per section', () => {
    const map = overlaySections([{ id: 11, agenda_item_id: 2, notes: 'old', notes_html: '', notes_lang: 'ko', translations: {}, version: 4, updated_by: 7, updated_at: '2025-05-19T01:00:00Z' }], [entry('minutes.update_section', { meeting_id: 5, agenda_item_id: 2, notes: 'typed offline' })], 5);
    expect(map.get(2)).toMatchObject({ notes: 'typed offline', version: 4, pending: true });
  });
});
