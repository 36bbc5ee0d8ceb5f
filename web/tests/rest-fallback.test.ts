import { describe, expect, it } from 'vitest';
import { SyncEngine } from '../src/sync/engine';
import { Outbox } from '../src/sync/outbox';
import { restCall } from '../src/sync/rest';
import { SyncStore } from '../src/sync/store';
import { apiWith, type Call, FakeClock, fakeFetch, freshDbName, json } from './helpers';

const problem = (status: number, code: string, extra: object = {}) =>
  json({ type: 'about:blank', title: 't', status, code, detail: code, ...extra }, status, 'application/problem+json');

async function setup(handler: (c: Call) => unknown) {
  const store = await SyncStore.open(freshDbName());
  const clock = new FakeClock();
  const outbox = new Outbox(store, { now: clock.now });
  const { fetch, calls } = fakeFetch(handler);
  const engine = new SyncEngine({ api: apiWith(fetch), store, outbox, clientId: 'c1', clock });
  return { store, clock, outbox, engine, calls };
}

/** A server without /sync: POST /sync/push is 405, GET /sync/pull is 404. */
const noSync = (rest: (c: Call) => unknown) => (c: Call) => {
  if (c.url.startsWith('/api/v1/sync/push')) return problem(405, 'method_not_allowed');
  if (c.url.startsWith('/api/v1/sync/pull')) return problem(404, 'not_found');
  return rest(c);
};

describe('sync engine: REST fallback when the server has no /sync', () => {
  it('applies the outbox in order through REST, creates with Idempotency-Key and edits with If-Match', async () => {
    const { outbox, engine, calls, store } = await setup(
      noSync((c) => {
        if (c.method === 'POST') return json({ id: 50, thread_id: 1, channel_id: 3, version: 1, body: c.body.body }, 201);
        return { id: 9, thread_id: 1, channel_id: 3, version: 5, body: c.body.body };
      }),
    );
    const created = await outbox.enqueue('message.create', { thread_id: 1, body: 'hello', lang: 'ko' });
    await outbox.enqueue('message.edit', { message_id: 9, body: 'edited' }, 4);
    await engine.sync();

    const rest = calls.filter((c) => !c.url.includes('/sync/'));
    expect(rest.map((c) => `${c.method} ${c.url}`)).toEqual(['POST /api/v1/threads/1/messages', 'PATCH /api/v1/messages/9']);
    expect(rest[0].headers['Idempotency-Key']).toBe(created.id);
    expect(rest[0].body).toEqual({ body: 'hello', lang: 'ko' });
    expect(rest[1].headers['If-Match']).toBe('4');
    expect(rest[1].body).toEqual({ body: 'edited' });
    expect(await store.outboxCount()).toBe(0);
    expect(await store.get('message', 50)).toMatchObject({ body: 'hello' });
    // A missing pull route is not an error to retry forever.
    expect(engine.status.phase).toBe('idle');

    // While in REST mode it does not ask for /sync again on every cycle.
    const before = calls.filter((c) => c.url.includes('/sync/')).length;
    await outbox.enqueue('message.create', { thread_id: 1, body: 'again', lang: 'ko' });
    await engine.sync();
    expect(calls.filter((c) => c.url.includes('/sync/')).length).toBe(before);
  });

  it('turns a 412 with the current state into a conflict, and other 4xx into a rejection', async () => {
    const { outbox, engine, store } = await setup(
      noSync((c) => {
        if (c.url.endsWith('/minutes')) return problem(412, 'version_mismatch', { current: { id: 4, agenda_item_id: 2, notes: 'theirs', version: 3 } });
        return problem(403, 'forbidden');
      }),
    );
    await outbox.enqueue('minutes.update_section', { meeting_id: 5, agenda_item_id: 2, notes: 'mine' }, 2);
    await outbox.enqueue('agenda.delete', { agenda_item_id: 8 }, 1);
    await engine.sync();

    const [conflict] = await store.conflicts();
    expect(conflict.mutation.name).toBe('minutes.update_section');
    expect(engine.conflictTexts(conflict)).toEqual({ mine: 'mine', theirs: 'theirs' });
    const [rejected] = await store.rejected();
    expect(rejected).toMatchObject({ code: 'forbidden' });
    expect(await store.outboxCount()).toBe(0);
  });

  it('keeps everything queued when the server cannot be reached', async () => {
    let down = true;
    const { outbox, engine, store } = await setup(
      noSync(() => {
        if (down) throw new TypeError('Failed to fetch');
        return json({ id: 1, meeting_id: 5, version: 1 }, 201);
      }),
    );
    await outbox.enqueue('action_item.create', { meeting_id: 5, title: 'a', owner_id: null, due_date: null });
    await engine.sync();
    expect(await store.outboxCount()).toBe(1);
    expect(engine.status.phase).toBe('retrying');
    down = false;
    await engine.syncNow();
    expect(await store.outboxCount()).toBe(0);
  });

  it('maps every mutation to its REST route', () => {
    const m = (name: string, args: object, base: number | null = null) => restCall({ id: 'x', name: name as never, args: args as never, base_version: base });
    expect(m('minutes.update_section', { meeting_id: 5, agenda_item_id: null, notes: 'n' }, 0)).toEqual({
      method: 'PUT',
      path: '/meetings/5/minutes',
      body: { sections: [{ agenda_item_id: null, notes: 'n', base_version: 0 }] },
    });
    expect(m('reaction.set', { message_id: 3, emoji: '👍', on: false })).toMatchObject({ method: 'DELETE', path: `/messages/3/reactions/${encodeURIComponent('👍')}` });
    expect(m('agenda.reorder', { meeting_id: 5, item_ids: [2, 1] })).toMatchObject({ method: 'PUT', path: '/meetings/5/agenda/order', ifMatch: true });
    expect(m('action_item.update', { action_item_id: 7, status: 'done' })).toMatchObject({ method: 'PATCH', path: '/action-items/7', body: { status: 'done' } });
    expect(m('attendance.set', { meeting_id: 5, user_id: 2, attendance: 'attended' })).toMatchObject({ path: '/meetings/5/participants/2', body: { attendance: 'attended' } });
  });
});
