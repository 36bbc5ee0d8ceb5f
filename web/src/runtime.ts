/**
 * Wires the pieces together for the running app: API client, connectivity, and (once a user
 * is signed in) that user's IndexedDB store, outbox, sync engine and live connection. Screens
 * read the observables exported here.
 */
import { ApiClient } from './api/client';
import { allPages, endpoints } from './api/endpoints';
import type { User } from './api/types';
import type { ChangeEvent, WsPresence, WsPresenceState, WsTyping } from './api/wire';
import { PLATFORM_SCOPE } from './data/directoryLive';
import { observable } from './lib/observable';
import { session, token } from './session';
import { Connectivity } from './sync/connectivity';
import { ENTITY } from './sync/entities';
import { SyncEngine, type EngineStatus } from './sync/engine';
import { LiveConnection, liveUrl, type LiveState } from './sync/live';
import { Outbox } from './sync/outbox';
import { SyncStore, type ConflictRecord, type OutboxEntry, type RejectedRecord } from './sync/store';
import { uuid } from './sync/uuid';

export const connectivity = new Connectivity(
  typeof navigator !== 'undefined' ? navigator : undefined,
  typeof window !== 'undefined' ? window : undefined,
);
export const online = observable(connectivity.online);
connectivity.subscribe((v) => online.set(v));

/** Set when the server says our token is no longer valid. */
export const authExpired = observable(false);

export const api = new ApiClient({
  fetch: (input, init) => fetch(input, init),
  getToken: token,
  onUnauthorized: () => {
    if (session.get()) authExpired.set(true);
  },
  onReachability: (ok) => connectivity.report(ok),
});
export const ep = endpoints(api);

export interface Runtime {
  user: User;
  store: SyncStore;
  outbox: Outbox;
  engine: SyncEngine;
  live: LiveConnection;
}
export const runtime = observable<Runtime | null>(null);

export const outboxEntries = observable<OutboxEntry[]>([]);
export const conflicts = observable<ConflictRecord[]>([]);
export const rejected = observable<RejectedRecord[]>([]);
export const engineStatus = observable<EngineStatus | null>(null);
export const liveState = observable<LiveState>('closed');

export interface Typist {
  userId: number;
  name: string;
  until: number;
}
/** thread id -> people typing there now. */
export const typing = observable<Record<number, Typist[]>>({});
/** scope ("channel:3") -> ids of the people online there now. */
export const presence = observable<Record<string, number[]>>({});

/**
 * Live changes of the `platform` scope (the directory; also organizations and people), for the
 * screens that read that data straight from REST (screens/directory/useDirectoryLive.ts).
 * Only what arrives over the WebSocket, replays after a reconnect included: while it is down,
 * the screens' own re-read when the network comes back covers the rest.
 */
const platformListeners = new Set<(e: ChangeEvent) => void>();
export function onPlatformChange(fn: (e: ChangeEvent) => void): () => void {
  platformListeners.add(fn);
  return () => platformListeners.delete(fn);
}

let teardown: (() => void) | null = null;

export function dbName(userId: number): string {
  return `gyoryu-u${userId}`;
}

export async function startRuntime(user: User): Promise<Runtime> {
  const current = runtime.get();
  if (current && current.user.id === user.id) return current;
  await stopRuntime();

  const store = await SyncStore.open(dbName(user.id));
  let clientId = await store.getMeta<string>('client_id');
  if (!clientId) {
    clientId = uuid();
    await store.setMeta('client_id', clientId);
  }
  const outbox = new Outbox(store);
  const cursor = await store.getCursor();

  const live = new LiveConnection({
    url: liveUrl(),
    getToken: token,
    connect: (url) => new WebSocket(url) as unknown as import('./sync/live').SocketLike,
    since: cursor > 0 ? cursor : null,
    onChange: (e) => {
      // Into the store as a pull would put it (same [entity, id] key, scope `platform`, an
      // older version never over a newer one), so a change that comes both ways lands once.
      const applied = store.applyChanges([e]);
      if (e.scope === PLATFORM_SCOPE) for (const fn of [...platformListeners]) fn(e);
      return applied;
    },
    onTyping: (e) => onTyping(e, user.id),
    onPresence: onPresence,
    onPresenceState: onPresenceState,
    onSubscriptionEnded: (e) => void store.clearScope(e.scope),
    onState: (s) => {
      liveState.set(s);
      // Exposed on <html data-live> for styling and for browser tests to wait on.
      if (typeof document !== 'undefined') document.documentElement.dataset.live = s;
      if (s === 'open') {
        connectivity.report(true);
        if (engine.status.phase === 'retrying') void engine.syncNow();
      }
    },
    onError: (e) => {
      if (e.code === 'unauthorized') authExpired.set(true);
    },
  });
  const engine = new SyncEngine({ api, store, outbox, clientId, onCursor: (c) => live.advance(c) });
  outbox.onEnqueue = () => engine.requestSync();

  const refreshLists = async () => {
    outboxEntries.set(await store.outboxAll());
    conflicts.set(await store.conflicts());
    rejected.set(await store.rejected());
  };
  const refreshScopes = async () => {
    const channels = await store.list<{ id: number }>(ENTITY.channel);
    const meetings = await store.list<{ id: number }>(ENTITY.meeting);
    // `platform` (the directory, organizations, people) for the whole session, not only while
    // the directory screen is open. Simpler, and right: the live connection resumes every
    // scope from one `since`, so a scope added mid-session would be replayed only from the
    // newest seq seen anywhere, skipping its changes since the session began. /sync/pull reads
    // `platform` anyway, so the store holds those changes already; only the path is new. Cheap:
    // directory writes are rare, and a CSV import's burst is what a pull would fetch too.
    live.setScopes([
      `user:${user.id}`,
      PLATFORM_SCOPE,
      ...channels.map((c) => `channel:${c.id}`),
      ...meetings.map((m) => `meeting:${m.id}`),
    ]);
  };
  const offStore = store.onChange((e) => {
    if (e.kind === 'outbox' || e.kind === 'conflicts' || e.kind === 'rejected') void refreshLists();
    if (e.kind === 'entities' && e.types?.some((t) => t === ENTITY.channel || t === ENTITY.meeting)) void refreshScopes();
  });
  const offStatus = engine.subscribe((s) => engineStatus.set(s));
  const offBack = connectivity.onBack(() => {
    void engine.syncNow();
    live.reconnectNow();
  });
  // Belt and braces: a periodic sync while the live connection is down.
  const interval = setInterval(() => {
    if (liveState.get() !== 'open') void engine.sync();
  }, 120_000);
  const typingSweep = setInterval(sweepTyping, 2000);

  await refreshLists();
  await refreshScopes();
  live.start();
  void engine.sync();
  // The live view follows every channel and meeting the user may see, even when the first
  // screen opened is a thread or a meeting: fetch both lists once (cached for offline use).
  void Promise.all([
    allPages((c) => ep.channels(c)).then((x) => store.putMany(ENTITY.channel, x as never)),
    allPages((c) => ep.meetings(c)).then((x) => store.putMany(ENTITY.meeting, x as never)),
  ]).catch(() => undefined);

  teardown = () => {
    offStore();
    offStatus();
    offBack();
    clearInterval(interval);
    clearInterval(typingSweep);
    engine.stop();
    live.stop();
    store.close();
  };
  const rt: Runtime = { user, store, outbox, engine, live };
  runtime.set(rt);
  return rt;
}

export async function stopRuntime(): Promise<void> {
  teardown?.();
  teardown = null;
  runtime.set(null);
  outboxEntries.set([]);
  conflicts.set([]);
  rejected.set([]);
  typing.set({});
  presence.set({});
}

function onTyping(e: WsTyping, myId: number) {
  const userId = e.user_id;
  if (typeof userId !== 'number' || userId === myId || typeof e.thread_id !== 'number') return;
  const name = e.display_name || `#${userId}`;
  const all = { ...typing.get() };
  const list = (all[e.thread_id] ?? []).filter((x) => x.userId !== userId);
  list.push({ userId, name, until: Date.now() + 6000 });
  all[e.thread_id] = list;
  typing.set(all);
}

function sweepTyping() {
  const now = Date.now();
  const all = typing.get();
  let changed = false;
  const next: Record<number, Typist[]> = {};
  for (const [k, list] of Object.entries(all)) {
    const kept = list.filter((x) => x.until > now);
    if (kept.length !== list.length) changed = true;
    if (kept.length) next[Number(k)] = kept;
  }
  if (changed) typing.set(next);
}

function onPresence(e: WsPresence) {
  if (typeof e.user_id !== 'number' || !e.scope) return;
  const all = presence.get();
  const ids = (all[e.scope] ?? []).filter((id) => id !== e.user_id);
  if (e.status !== 'offline') ids.push(e.user_id);
  presence.set({ ...all, [e.scope]: ids });
}

function onPresenceState(e: WsPresenceState) {
  if (!e.scope || !Array.isArray(e.user_ids)) return;
  presence.set({ ...presence.get(), [e.scope]: [...e.user_ids] });
}

/** After logging in again (expired token): push what waited and reopen the live connection. */
export function resumeAfterLogin(userId: number): void {
  const rt = runtime.get();
  if (!rt || rt.user.id !== userId) return;
  void rt.engine.syncNow();
  rt.live.start();
}
