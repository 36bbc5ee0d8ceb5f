import { describe, expect, it } from 'vitest';
import type { ChangeEvent } from '../src/api/wire';
import { overlaySections } from '../src/data/overlay';
import { ENTITY } from '../src/sync/entities';
import type { OutboxEntry } from '../src/sync/store';
import { openStore } from './helpers';

const minutesDoc = {
  meeting_id: 5,
  status: 'in_progress',
  version: 3,
  amendment: 0,
  state: 'draft',
  sections: [{ id: 11, agenda_item_id: null, notes: 'general', version: 1 }, { id: 12, agenda_item_id: 2, notes: 'item', version: 2 }],
  decisions: [{ id: 4, agenda_item_id: 2, text: 'agreed', version: 1 }],
  approvals: [],
  pending_organization_ids: [1, 2],
  approved_amendment: null,
};
const change = (entity: string, id: number, version: number, data: object): ChangeEvent => ({ type: 'change', seq: 100 + id, scope: 'meeting:5', entity, id, op: 'updated', version, data: data as never });

describe('minutes in the local store', () => {
  it('keeps a minutes document as its parts, the way the change log sends them', async () => {
    const store = await openStore();
    await store.putMinutes(minutesDoc);
    expect((await store.children(ENTITY.minutesSection, 'meeting:5')).map((s) => s.id).sort()).toEqual([11, 12]);
    expect(await store.children(ENTITY.decision, 'meeting:5')).toHaveLength(1);
    expect(await store.get(ENTITY.minutes, 5)).toMatchObject({ version: 3, pending_organization_ids: [1, 2] });

    // A live section change replaces that section; the summary change merges into the summary.
    await store.applyChanges([
      change('minutes_section', 12, 3, { meeting_id: 5, id: 12, agenda_item_id: 2, notes: 'item v3', version: 3 }),
      change('minutes', 5, 4, { meeting_id: 5, version: 4, amendment: 0, reason: 'section' }),
      change('decision', 9, 1, { meeting_id: 5, id: 9, agenda_item_id: null, text: 'new', version: 1 }),
    ]);
    expect(await store.get(ENTITY.minutesSection, 12)).toMatchObject({ notes: 'item v3' });
    expect(await store.get(ENTITY.minutes, 5)).toMatchObject({ version: 4, state: 'draft', pending_organization_ids: [1, 2] });
    expect(await store.children(ENTITY.decision, 'meeting:5')).toHaveLength(2);

    // An older copy of the document (a slow REST answer) does not roll a section back.
    await store.putMinutes(minutesDoc);
    expect(await store.get(ENTITY.minutesSection, 12)).toMatchObject({ notes: 'item v3' });
  });

  it('hides a conflict copy as soon as its dismissal is queued', () => {
    const e = { id: 'x', name: 'minutes.resolve_conflict', args: { section_id: 12, copy_id: 7 }, base_version: 3, created_at: '2025-05-20T01:00:00Z', sent: false, attempts: 0 } as OutboxEntry;
    const section = { id: 12, agenda_item_id: 2, notes: 'n', notes_html: '', notes_lang: 'ko' as const, translations: {}, version: 3, updated_by: 1, updated_at: '', conflict_copies: [{ id: 7, notes: 'offline', notes_lang: 'ko' as const, author_id: 1, base_version: 1, client_id: null, mutation_id: null, created_at: '' }] };
    expect(overlaySections([section], [e], 5).get(2)?.conflict_copies).toEqual([]);
  });
});
