import { describe, expect, it } from 'vitest';
import type { PushResult } from '../src/api/wire';
import { SyncEngine } from '../src/sync/engine';
import { Outbox } from '../src/sync/outbox';
import { SyncStore } from '../src/sync/store';
import { apiWith, type Call, FakeClock, fakeFetch, freshDbName, json, settle } from './helpers';

async function setup(handler: (c: Call) => unknown, opts: { batchSize?: number; name?: string } = {}) {
  const name = opts.name ?? freshDbName();
  const store = await SyncStore.open(name);
  const clock = new FakeClock();
  const outbox = new Outbox(store, { now: clock.now });
  const { fetch, calls } = fakeFetch(handler);
  const engine = new SyncEngine({
    api: apiWith(fetch),
    store,
    outbox,
    clientId: 'client-1',
    clock,
    batchSize: opts.batchSize ?? 50,
    backoff: { baseMs: 1000, maxMs: 60_000 },
  });
  return { name, store, clock, outbox, engine, calls };
}

const emptyPull = { changes: [], cursor: 0, has_more: false };
const isPush = (c: Call) => c.url.startsWith('/api/v1/sync/push');
const isPull = (c: Call) => c.url.startsWith('/api/v1/sync/pull');
const applyAll = (c: Call) => ({ results: c.body.mutations.map((m: { id: string }) => ({ id: m.id, status: 'applied' })) });

describe('sync engine: push', () => {
  it('pushes the outbox in order, in batches, with client_id and the DESIGN mutation shape', async () => {
    const { outbox, engine, calls, store } = await setup((c) => (isPush(c) ? applyAll(c) : emptyPull), { batchSize: 2 });
    for (let i = 1; i <= 5; i++) await outbox.enqueue('message.create', { thread_id: 1, body: `m${i}`, lang: 'ko' });
    await engine.sync();

    const pushes = calls.filter(isPush);
    expect(pushes).toHaveLength(3);
    expect(pushes.map((c) => c.body.mutations.map((m: { args: { body: string } }) => m.args.body))).toEqual([['m1', 'm2'], ['m3', 'm4'], ['m5']]);
    expect(pushes[0].body.client_id).toBe('client-1');
    expect(Object.keys(pushes[0].body.mutations[0]).sort()).toEqual(['args', 'base_version', 'id', 'name']);
    expect(pushes[0].headers.Authorization).toBe('Bearer tok');
    expect(pushes[0].method).toBe('POST');
    expect(await store.outboxCount()).toBe(0);
    // pull runs after push
    expect(isPull(calls[calls.length - 1])).toBe(true);
    expect(engine.status.phase).toBe('idle');
  });

  it('never puts two mutations of the same target in one batch, and rebases the second on the first result', async () => {
    let version = 3;
    const { store, outbox, engine, calls } = await setup((c) => {
      if (!isPush(c)) return emptyPull;
      return {
        results: c.body.mutations.map((m: { id: string; base_version: number }) => {
          expect(m.base_version).toBe(version);
          version++;
          return { id: m.id, status: 'applied', entity: { id: 9, version } };
        }),
      };
    });
    const first = await outbox.enqueue('message.edit', { message_id: 9, body: 'v1' }, 3);
    await store.outboxPut({ ...first, sent: true }); // already sent once: no coalescing
    await outbox.enqueue('message.edit', { message_id: 9, body: 'v2' }, 3);
    await engine.sync();
    const pushes = calls.filter(isPush);
    expect(pushes.map((c) => c.body.mutations.length)).toEqual([1, 1]);
    expect(pushes[1].body.mutations[0].base_version).toBe(4);
    expect(await store.outboxCount()).toBe(0);
  });

  it('keeps everything and retries with growing backoff on network failure, then succeeds', async () => {
    let fail = 3;
    const { store, outbox, engine, calls, clock } = await setup((c) => {
      if (isPush(c) && fail > 0) {
        fail--;
        throw new TypeError('Failed to fetch');
      }
      return isPush(c) ? applyAll(c) : emptyPull;
    });
    await outbox.enqueue('message.create', { thread_id: 1, body: 'a', lang: 'en' });
    await outbox.enqueue('message.create', { thread_id: 1, body: 'b', lang: 'en' });

    await engine.sync();
    expect(engine.status.phase).toBe('retrying');
    expect(await store.outboxCount()).toBe(2);
    const delays: number[] = [clock.nextDelay()!];

    await clock.advance(delays[0]);
    await engine.whenIdle();
    expect(await store.outboxCount()).toBe(2);
    delays.push(clock.nextDelay()!);

    await clock.advance(delays[1]);
    await engine.whenIdle();
    expect(await store.outboxCount()).toBe(2);
    delays.push(clock.nextDelay()!);

    expect(delays).toEqual([1000, 2000, 4000]);

    await clock.advance(delays[2]);
    await engine.whenIdle();
    await settle();
    expect(await store.outboxCount()).toBe(0);
    expect(engine.status.phase).toBe('idle');
    expect(engine.status.attempt).toBe(0);
    // the same mutation ids were sent every time
    const ids = calls.filter(isPush).map((c) => c.body.mutations.map((m: { id: string }) => m.id).join());
    expect(new Set(ids).size).toBe(1);
  });

  it('retries on 5xx without dropping, stops on 401', async () => {
    let status = 503;
    const { store, outbox, engine } = await setup((c) => (isPush(c) ? json({ code: 'unavailable', detail: 'busy', status, title: 'x', type: 'x' }, status, 'application/problem+json') : emptyPull));
    await outbox.enqueue('message.create', { thread_id: 1, body: 'a', lang: 'en' });
    await engine.sync();
    expect(engine.status.phase).toBe('retrying');
    expect(await store.outboxCount()).toBe(1);
    status = 401;
    await engine.syncNow();
    expect(engine.status.phase).toBe('unauthorized');
    expect(await store.outboxCount()).toBe(1);
  });

  it('removes duplicate results like applied ones and caches the returned entity', async () => {
    const { store, outbox, engine } = await setup((c) =>
      isPush(c)
        ? { results: c.body.mutations.map((m: { id: string }) => ({ id: m.id, status: 'duplicate', entity: { id: 77, thread_id: 1, channel_id: 2, body: 'hi', version: 1 } })) }
        : emptyPull,
    );
    await outbox.enqueue('message.create', { thread_id: 1, body: 'hi', lang: 'en' });
    await engine.sync();
    expect(await store.outboxCount()).toBe(0);
    expect(await store.get('message', 77)).toMatchObject({ body: 'hi' });
    expect(await store.conflicts()).toEqual([]);
  });

  it('moves rejected mutations to the rejected list with the reason, and keeps going', async () => {
    const { store, outbox, engine } = await setup((c) =>
      isPush(c)
        ? { results: c.body.mutations.map((m: { id: string; args: { body: string } }, i: number): PushResult => (i === 0 ? { id: m.id, status: 'rejected', reason: 'Thread is archived', code: 'archived' } : { id: m.id, status: 'applied' })) }
        : emptyPull,
    );
    await outbox.enqueue('message.create', { thread_id: 1, body: 'a', lang: 'en' });
    await outbox.enqueue('message.create', { thread_id: 2, body: 'b', lang: 'en' });
    await engine.sync();
    expect(await store.outboxCount()).toBe(0);
    const rejected = await store.rejected();
    expect(rejected).toHaveLength(1);
    expect(rejected[0]).toMatchObject({ reason: 'Thread is archived', code: 'archived' });
    expect((rejected[0].mutation.args as { body: string }).body).toBe('a');
    await engine.dismissRejected(rejected[0].id);
    expect(await store.rejected()).toEqual([]);
  });
});

describe('sync engine: conflicts', () => {
  const current = {
    meeting_id: 5,
    version: 12,
    state: 'draft',
    sections: [{ agenda_item_id: 2, notes: 'theirs text', notes_html: '<p>theirs text</p>', version: 8, conflict_copies: [] }],
    decisions: [],
    approvals: [],
  };

  async function conflicted() {
    let mode: 'conflict' | 'apply' = 'conflict';
    const ctx = await setup((c) => {
      if (!isPush(c)) return emptyPull;
      return {
        results: c.body.mutations.map((m: { id: string }) => (mode === 'conflict' ? { id: m.id, status: 'conflict', current, reason: 'stale base_version' } : { id: m.id, status: 'applied' })),
      };
    });
    await ctx.outbox.enqueue('minutes.update_section', { meeting_id: 5, agenda_item_id: 2, notes: 'my text' }, 6);
    await ctx.engine.sync();
    mode = 'apply';
    return ctx;
  }

  it('keeps a conflict aside with the server state', async () => {
    const { store, engine } = await conflicted();
    expect(await store.outboxCount()).toBe(0);
    const list = await store.conflicts();
    expect(list).toHaveLength(1);
    expect(list[0].current).toEqual(current);
    expect(engine.conflictTexts(list[0])).toEqual({ mine: 'my text', theirs: 'theirs text' });
  });

  it('keep mine: re-enqueues my text with the server version as base', async () => {
    const { store, engine, calls } = await conflicted();
    const [rec] = await store.conflicts();
    await engine.resolveConflict(rec.id, { kind: 'mine' });
    expect(await store.conflicts()).toEqual([]);
    const [entry] = await store.outboxAll();
    expect(entry.id).not.toBe(rec.id);
    expect(entry.base_version).toBe(8);
    expect((entry.args as { notes: string }).notes).toBe('my text');
    await engine.sync();
    expect(await store.outboxCount()).toBe(0);
    const last = calls.filter(isPush).pop()!;
    expect(last.body.mutations[0]).toMatchObject({ base_version: 8, args: { notes: 'my text' } });
  });

  it('keep theirs: drops mine and caches the server state', async () => {
    const { store, engine } = await conflicted();
    const [rec] = await store.conflicts();
    await engine.resolveConflict(rec.id, { kind: 'theirs' });
    expect(await store.conflicts()).toEqual([]);
    expect(await store.outboxCount()).toBe(0);
    expect(await store.get('minutes', 5)).toMatchObject({ version: 12 });
  });

  it('edit merge: enqueues the edited text on the server version', async () => {
    const { store, engine } = await conflicted();
    const [rec] = await store.conflicts();
    await engine.resolveConflict(rec.id, { kind: 'merge', text: 'theirs text + my text' });
    const [entry] = await store.outboxAll();
    expect(entry.args).toEqual({ meeting_id: 5, agenda_item_id: 2, notes: 'theirs text + my text' });
    expect(entry.base_version).toBe(8);
    expect(await store.conflicts()).toEqual([]);
  });
});

describe('sync engine: pull', () => {
  const change = (seq: number, id: number, extra: object = {}) => ({
    type: 'change',
    seq,
    scope: 'channel:3',
    entity: 'message',
    id,
    op: 'created',
    version: 1,
    data: { id, thread_id: 10, channel_id: 3, body: `m${id}`, version: 1, ...extra },
  });

  it('pages with has_more, applies changes, and persists the cursor across a reload', async () => {
    const pages: Record<number, object> = {
      0: { changes: [change(1, 101), change(2, 102)], cursor: 2, has_more: true },
      2: { changes: [change(3, 103)], cursor: 3, has_more: true },
      3: { changes: [{ ...change(4, 101), op: 'updated', version: 2, data: { id: 101, thread_id: 10, channel_id: 3, body: 'edited', version: 2 } }], cursor: 4, has_more: false },
    };
    const { store, engine, calls, name } = await setup((c) => {
      const u = new URL(c.url, 'http://x');
      expect(u.searchParams.get('limit')).toBe('500');
      return pages[Number(u.searchParams.get('since'))];
    });
    await engine.pull();
    expect(calls.map((c) => new URL(c.url, 'http://x').searchParams.get('since'))).toEqual(['0', '2', '3']);
    expect(await store.getCursor()).toBe(4);
    const msgs = await store.children<{ id: number; body: string }>('message', 'thread:10');
    expect(msgs.map((m) => [m.id, m.body]).sort()).toEqual([
      [101, 'edited'],
      [102, 'm102'],
      [103, 'm103'],
    ]);
    store.close();
    const again = await SyncStore.open(name);
    expect(await again.getCursor()).toBe(4);
  });

  it('deletes entities on op=deleted and never lets an older version overwrite a newer one', async () => {
    const { store, engine } = await setup(() => ({
      changes: [change(1, 1), { ...change(2, 2), version: 5, data: { id: 2, thread_id: 10, channel_id: 3, body: 'v5', version: 5 } }, { ...change(3, 2), version: 4, op: 'updated', data: { id: 2, thread_id: 10, channel_id: 3, body: 'v4', version: 4 } }, { ...change(4, 1), op: 'deleted', data: { id: 1 } }],
      cursor: 4,
      has_more: false,
    }));
    await engine.pull();
    expect(await store.get('message', 1)).toBeUndefined();
    expect(await store.get('message', 2)).toMatchObject({ body: 'v5' });
  });

  it('a reset entry clears that scope’s cached entities only', async () => {
    const { store, engine } = await setup(() => ({ changes: [{ type: 'reset', scope: 'channel:3' }, change(9, 201)], cursor: 9, has_more: false }));
    await store.put('message', { id: 1, thread_id: 10, channel_id: 3, version: 1 });
    await store.put('thread', { id: 10, channel_id: 3, version: 1 });
    await store.put('message', { id: 2, thread_id: 20, channel_id: 4, version: 1 });
    await store.put('meeting', { id: 5, version: 1 });
    await engine.pull();
    expect(await store.get('message', 1)).toBeUndefined();
    expect(await store.get('thread', 10)).toBeUndefined();
    expect(await store.get('message', 2)).toBeDefined();
    expect(await store.get('meeting', 5)).toBeDefined();
    expect(await store.get('message', 201)).toBeDefined(); // changes after the reset still apply
    expect(await store.getCursor()).toBe(9);
  });
});
