import { afterEach, describe, expect, it, vi } from 'vitest';
import { directoryEndpoints, type Partnership } from '../src/api/directory';
import type { Page } from '../src/api/types';
import { forgetRemote, readRemote } from '../src/data/remote';
import { dbName } from '../src/runtime';
import { SyncStore } from '../src/sync/store';
import { apiWith, type Call, fakeFetch, json } from './helpers';

const KIM = 7;
const WANG = 8;
const T1 = new Date('2027-03-10T01:00:00Z');
const T2 = new Date('2027-03-11T09:30:00Z');

const partnership = (id: number, notes = ''): Partnership => ({
  id, member_city_id: 1, partner_city_id: 2, kind: 'sister', signed_on: '1993-10-23', status: 'active', notes, version: 1,
});
const page = <T>(items: T[]): Page<T> => ({ items, next_cursor: null }) as Page<T>;

/**
 * A server whose answer can change and whose network can go: `offline` makes fetch reject
 * (NetworkError), `status` answers with that problem instead.
 */
function server(items: Partnership[]) {
  const net = { offline: false, status: 0, items };
  const { fetch, calls } = fakeFetch((_c: Call) => {
    if (net.offline) throw new TypeError('Failed to fetch');
    if (net.status) return json({ type: 'about:blank', title: 'x', status: net.status, code: `http_${net.status}`, detail: 'no' }, net.status, 'application/problem+json');
    return page(net.items);
  });
  const dir = directoryEndpoints(apiWith(fetch));
  return { net, calls, load: () => dir.partnerships() };
}

// Each user has a database of their own (runtime.dbName), as in the app.
const opened: SyncStore[] = [];
async function storeOf(userId: number): Promise<SyncStore> {
  const store = await SyncStore.open(dbName(userId));
  opened.push(store);
  return store;
}
/** A reload: the page's memory is gone and the store is opened anew; the database stays. */
async function reload(userId: number, store: SyncStore): Promise<SyncStore> {
  await forgetRemote(userId, null);
  store.close();
  return storeOf(userId);
}

afterEach(async () => {
  for (const s of opened.splice(0)) s.close();
  for (const id of [KIM, WANG]) {
    await forgetRemote(id, null);
    await SyncStore.destroy(dbName(id));
  }
});

describe('saved copies of REST reads (useRemote persist)', () => {
  it('saves the answer with its time, and serves it with that time after a reload without a network', async () => {
    const { net, load } = server([partnership(1, 'first')]);
    let store = await storeOf(KIM);
    const online = await readRemote('directory', load, { userId: KIM, store }, () => T1);
    expect(online).toEqual({ data: [partnership(1, 'first')], offline: false, savedAt: null, error: null });
    expect(await store.getCopy('directory')).toEqual({ data: [partnership(1, 'first')], savedAt: T1.toISOString() });

    store = await reload(KIM, store);
    net.offline = true;
    const offline = await readRemote('directory', load, { userId: KIM, store });
    expect(offline).toEqual({ data: [partnership(1, 'first')], offline: true, savedAt: T1.toISOString(), error: null });
  });

  it('serves the copy when the server is in passing trouble (503), but not when it refuses (403)', async () => {
    const { net, load } = server([partnership(1)]);
    let store = await storeOf(KIM);
    await readRemote('directory', load, { userId: KIM, store }, () => T1);
    store = await reload(KIM, store);

    net.status = 503;
    const busy = await readRemote('directory', load, { userId: KIM, store });
    expect(busy).toMatchObject({ data: [partnership(1)], offline: true, savedAt: T1.toISOString() });

    store = await reload(KIM, store);
    net.status = 403;
    const refused = await readRemote('directory', load, { userId: KIM, store });
    expect(refused).toEqual({ data: undefined, offline: false, savedAt: null, error: 'no' });
  });

  it('is per user: another official on the same browser gets nothing of the first one', async () => {
    const { net, load } = server([partnership(1, 'kim sees this')]);
    const kim = await storeOf(KIM);
    await readRemote('directory', load, { userId: KIM, store: kim }, () => T1);

    // Same page (memory) and same browser (IndexedDB), another user, no network.
    const wang = await storeOf(WANG);
    net.offline = true;
    const seen = await readRemote('directory', load, { userId: WANG, store: wang });
    expect(seen).toEqual({ data: undefined, offline: true, savedAt: null, error: null });
    expect(await wang.getCopy('directory')).toBeUndefined();
    // The first user's copy is still there for them.
    expect((await readRemote('directory', load, { userId: KIM, store: kim })).data).toEqual([partnership(1, 'kim sees this')]);
  });

  it('replaces the copy with every later online answer (one entry per key)', async () => {
    const { net, load } = server([partnership(1, 'old')]);
    let store = await storeOf(KIM);
    await readRemote('directory', load, { userId: KIM, store }, () => T1);
    net.items = [partnership(1, 'new'), partnership(2)];
    const fresh = await readRemote('directory', load, { userId: KIM, store }, () => T2);
    expect(fresh.data).toEqual(net.items);
    expect(await store.getCopy('directory')).toEqual({ data: net.items, savedAt: T2.toISOString() });

    store = await reload(KIM, store);
    net.offline = true;
    const offline = await readRemote('directory', load, { userId: KIM, store });
    expect(offline).toMatchObject({ data: [partnership(1, 'new'), partnership(2)], offline: true, savedAt: T2.toISOString() });
  });

  it('keeps nothing on the device for reads that do not ask to persist', async () => {
    const { net, load } = server([partnership(1)]);
    let store = await storeOf(KIM);
    await readRemote('dashboard', load, { userId: KIM, store: null }, () => T1);
    expect(await store.getCopy('dashboard')).toBeUndefined();
    // This page still remembers it (as before), with its time.
    net.offline = true;
    expect(await readRemote('dashboard', load, { userId: KIM, store: null })).toMatchObject({ offline: true, savedAt: T1.toISOString() });
    store = await reload(KIM, store);
    expect((await readRemote('dashboard', load, { userId: KIM, store })).data).toBeUndefined();
  });

  it('forgets the signed-out user\'s copies (memory and device), and only those', async () => {
    const { net, load } = server([partnership(1)]);
    const kim = await storeOf(KIM);
    const wang = await storeOf(WANG);
    await kim.setMeta('client_id', 'kim-laptop');
    await kim.setCursor(42);
    await readRemote('directory', load, { userId: KIM, store: kim }, () => T1);
    await readRemote('meeting-series/3', load, { userId: KIM, store: kim }, () => T1);
    await readRemote('directory', load, { userId: WANG, store: wang }, () => T2);

    await forgetRemote(KIM, kim);
    net.offline = true;
    expect(await readRemote('directory', load, { userId: KIM, store: kim })).toEqual({ data: undefined, offline: true, savedAt: null, error: null });
    expect(await kim.getCopy('meeting-series/3')).toBeUndefined();
    // The rest of the store is sign-out's other business (kept while changes wait to be sent).
    expect(await kim.getMeta('client_id')).toBe('kim-laptop');
    expect(await kim.getCursor()).toBe(42);
    expect(await readRemote('directory', load, { userId: WANG, store: wang })).toMatchObject({ data: [partnership(1)], savedAt: T2.toISOString() });
  });

  it('still answers when the copy cannot be written (store closed by a sign-out meanwhile)', async () => {
    const { load } = server([partnership(1)]);
    const store = await storeOf(KIM);
    store.close();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const r = await readRemote('directory', load, { userId: KIM, store }, () => T1);
    expect(r).toEqual({ data: [partnership(1)], offline: false, savedAt: null, error: null });
    expect(warn).toHaveBeenCalledOnce();
    warn.mockRestore();
  });
});
