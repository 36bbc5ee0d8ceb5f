/**
 * Read-only REST data for screens whose data is not synced into IndexedDB (directory, series,
 * dashboard). The last answer per key is kept in memory for this page's life, so going back
 * to a screen shows it at once (and still shows it if the server has since become unreachable).
 * With `persist`, the answer is also saved in the signed-in user's IndexedDB store (one copy
 * per key, overwritten by each answer), so the screen still opens after a reload without a
 * network; sign-out forgets both (forgetRemote).
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, NetworkError } from '../api/client';
import { useObservable } from '../lib/observable';
import { online, runtime } from '../runtime';
import type { SavedCopy, SyncStore } from '../sync/store';

/** memoryKey(user, key) -> the last answer this page saw, with when it arrived. */
const memory = new Map<string, SavedCopy<unknown>>();

function memoryKey(userId: number, key: string): string {
  return `u${userId}:${key}`;
}

/** What one read gave. */
export interface RemoteResult<T> {
  data: T | undefined;
  /** The server could not be reached (data, if any, is a copy kept earlier). */
  offline: boolean;
  /** While offline: when the copy shown came from the server (ISO instant); else null. */
  savedAt: string | null;
  error: string | null;
}

export interface RemoteState<T> extends RemoteResult<T> {
  loading: boolean;
  retry: () => void;
  /**
   * Asks again, once with `load` when given (e.g. only the lists a live change touched, laid on
   * the data shown); settles when that read has answered or given way to a newer one. A
   * `retry` asked meanwhile wins: the whole load runs.
   */
  refresh(load?: () => Promise<T>): Promise<void>;
}

export interface RemoteOptions {
  /** Also save the answer on this device for reading offline. Only for keys of a bounded set. */
  persist?: boolean;
}

/** Whose read it is, and (when the answer is to be saved) the store holding their copies. */
export interface Reader {
  userId: number;
  store: SyncStore | null;
}

/** No answer because of the network or a passing server trouble, not a refusal. */
export function isUnreachable(e: unknown): boolean {
  return e instanceof NetworkError || (e instanceof ApiError && e.transient);
}

/**
 * One read of `key`: the server's answer (kept in memory, and saved in `reader.store` when
 * given), or, when the server cannot be reached, the newest copy there is: this page's, else
 * the saved one. A refusal (4xx) is an error, never answered from a copy.
 */
export async function readRemote<T>(key: string, load: () => Promise<T>, reader: Reader, now: () => Date = () => new Date()): Promise<RemoteResult<T>> {
  const mk = memoryKey(reader.userId, key);
  try {
    const data = await load();
    const copy: SavedCopy<T> = { data, savedAt: now().toISOString() };
    memory.set(mk, copy);
    // A failed save (storage full, store closed by a sign-out) only costs the offline copy.
    await reader.store?.putCopy(key, copy).catch((e: unknown) => console.warn('saved copy not written', e));
    return { data, offline: false, savedAt: null, error: null };
  } catch (e) {
    let copy = memory.get(mk) as SavedCopy<T> | undefined;
    if (!isUnreachable(e)) return { data: copy?.data, offline: false, savedAt: null, error: e instanceof Error ? e.message : String(e) };
    if (!copy && reader.store) copy = await reader.store.getCopy<T>(key).catch(() => undefined);
    return { data: copy?.data, offline: true, savedAt: copy?.savedAt ?? null, error: null };
  }
}

/**
 * Sign-out: forgets what this page kept of the user's reads and the copies saved on this
 * device. Always, even when the rest of the store stays for unsent changes: a copy can be
 * fetched again, and must not outlive the session on a shared laptop.
 */
export async function forgetRemote(userId: number, store: SyncStore | null): Promise<void> {
  const prefix = memoryKey(userId, '');
  for (const k of [...memory.keys()]) if (k.startsWith(prefix)) memory.delete(k);
  await store?.clearCopies();
}

/** What the hook shows, and for which memory key. */
type ShownState<T> = RemoteResult<T> & { mk: string | null; loading: boolean };

/** `key` names the request (path + query); null waits (e.g. until a search is submitted). */
export function useRemote<T>(key: string | null, load: () => Promise<T>, options: RemoteOptions = {}): RemoteState<T> {
  const rt = useObservable(runtime);
  const isOnline = useObservable(online);
  const mk = key === null || !rt ? null : memoryKey(rt.user.id, key);
  const fresh = (): ShownState<T> => ({
    mk,
    data: mk ? (memory.get(mk)?.data as T | undefined) : undefined,
    loading: mk !== null,
    offline: false,
    savedAt: null,
    error: null,
  });
  const [state, setState] = useState<ShownState<T>>(fresh);
  const [n, setN] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  // The next read's one-off load (refresh), unless a retry asked for the whole one meanwhile;
  // and who waits for the next read to settle.
  const once = useRef<(() => Promise<T>) | null>(null);
  const whole = useRef(false);
  const waiting = useRef<(() => void)[]>([]);
  useEffect(() => {
    const fn = (!whole.current && once.current) || loadRef.current;
    once.current = null;
    whole.current = false;
    const settled = waiting.current;
    waiting.current = [];
    const done = () => settled.forEach((f) => f());
    if (key === null || !rt || mk === null) return done();
    let alive = true;
    // Asking again for the same key keeps what is shown, copy notice included, until the
    // answer: on a slow link a saved copy must not pass for current data meanwhile.
    setState((prev) => (prev.mk === mk ? { ...prev, loading: true, error: null } : fresh()));
    const reader: Reader = { userId: rt.user.id, store: options.persist ? rt.store : null };
    void readRemote(key, fn, reader).then((r) => {
      if (alive) setState({ ...r, mk, loading: false });
      done();
    });
    return () => {
      alive = false;
    };
  }, [rt, key, n]);
  // Back online while showing a copy: ask again, so the answer replaces the copy and its notice.
  useEffect(() => {
    if (isOnline && state.offline) setN((x) => x + 1);
  }, [isOnline]);
  const retry = () => {
    whole.current = true;
    setN((x) => x + 1);
  };
  const refresh = (fn?: () => Promise<T>) =>
    new Promise<void>((resolve) => {
      once.current = fn ?? null;
      waiting.current.push(resolve);
      setN((x) => x + 1);
    });
  return { ...state, retry, refresh };
}
