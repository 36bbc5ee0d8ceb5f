import { describe, expect, it } from 'vitest';
import { Outbox, targetKey } from '../src/sync/outbox';
import { SyncStore } from '../src/sync/store';
import { freshDbName } from './helpers';

describe('outbox', () => {
  it('survives a reload: a new store instance on the same database sees the queue, in order', async () => {
    const name = freshDbName();
    const store1 = await SyncStore.open(name);
    const ob1 = new Outbox(store1);
    await ob1.enqueue('message.create', { thread_id: 1, body: 'first', lang: 'ko' });
    await ob1.enqueue('message.create', { thread_id: 1, body: 'second', lang: 'zh-Hans' });
    await ob1.enqueue('minutes.update_section', { meeting_id: 5, agenda_item_id: 2, notes: 'notes' }, 3);
    store1.close();

    const store2 = await SyncStore.open(name); // "reload"
    const all = await new Outbox(store2).all();
    expect(all.map((e) => e.name)).toEqual(['message.create', 'message.create', 'minutes.update_section']);
    expect(all.map((e) => (e.args as { body?: string }).body)).toEqual(['first', 'second', undefined]);
    expect(all[2].base_version).toBe(3);
    for (const e of all) {
      expect(e.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(typeof e.created_at).toBe('string');
      expect(e.sent).toBe(false);
    }
    store2.close();
  });

  it('coalesces unsent edits of the same target, keeping the first base_version and position', async () => {
    const store = await SyncStore.open(freshDbName());
    const ob = new Outbox(store);
    await ob.enqueue('minutes.update_section', { meeting_id: 5, agenda_item_id: 2, notes: 'a' }, 3);
    await ob.enqueue('message.create', { thread_id: 1, body: 'x', lang: 'en' });
    await ob.enqueue('minutes.update_section', { meeting_id: 5, agenda_item_id: 2, notes: 'ab' }, 3);
    await ob.enqueue('minutes.update_section', { meeting_id: 5, agenda_item_id: 7, notes: 'other item' }, 1);
    const all = await ob.all();
    expect(all).toHaveLength(3);
    expect(all[0].args).toEqual({ meeting_id: 5, agenda_item_id: 2, notes: 'ab' });
    expect(all[0].base_version).toBe(3);
    expect(all[2].args).toMatchObject({ agenda_item_id: 7 });
  });

  it('never rewrites an entry that was already sent (it may be applied under its id)', async () => {
    const store = await SyncStore.open(freshDbName());
    const ob = new Outbox(store);
    const first = await ob.enqueue('message.edit', { message_id: 9, body: 'v1' }, 4);
    await store.outboxPut({ ...first, sent: true });
    await ob.enqueue('message.edit', { message_id: 9, body: 'v2' }, 4);
    const all = await ob.all();
    expect(all.map((e) => (e.args as { body: string }).body)).toEqual(['v1', 'v2']);
  });

  it('merges partial updates (agenda.update) but not deletes', async () => {
    const store = await SyncStore.open(freshDbName());
    const ob = new Outbox(store);
    await ob.enqueue('agenda.update', { agenda_item_id: 3, title: 'T' }, 1);
    await ob.enqueue('agenda.update', { agenda_item_id: 3, duration_minutes: 20 }, 1);
    await ob.enqueue('agenda.delete', { agenda_item_id: 3 }, 1);
    const all = await ob.all();
    expect(all).toHaveLength(2);
    expect(all[0].args).toEqual({ agenda_item_id: 3, title: 'T', duration_minutes: 20 });
    expect(all[1].name).toBe('agenda.delete');
  });

  it('knows which mutations target the same thing', () => {
    expect(targetKey('message.edit', { message_id: 1 })).toBe('message:1');
    expect(targetKey('minutes.update_section', { meeting_id: 2, agenda_item_id: null })).toBe('minutes:2:general');
    expect(targetKey('message.create', { thread_id: 1 })).toBeNull();
  });
});
