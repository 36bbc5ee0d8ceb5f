/**
 * Read-only REST data for screens whose data is not synced into IndexedDB (directory, series,
 * dashboard). The last answer per key is kept in memory for this page's life, so going back
 * to a screen shows it at once (and still shows it if the server has since become unreachable).
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, NetworkError } from '../api/client';
import { useObservable } from '../lib/observable';
import { runtime } from '../runtime';

const memory = new Map<string, unknown>();

export interface RemoteState<T> {
  data: T | undefined;
  loading: boolean;
  /** The server could not be reached (data, if any, is the last answer seen). */
  offline: boolean;
  error: string | null;
  retry: () => void;
}

/** `key` names the request (path + query); null waits (e.g. until a search is submitted). */
export function useRemote<T>(key: string | null, load: () => Promise<T>): RemoteState<T> {
  const rt = useObservable(runtime);
  const userKey = key === null || !rt ? null : `u${rt.user.id}:${key}`;
  const [state, setState] = useState<{ data: T | undefined; loading: boolean; offline: boolean; error: string | null }>(() => ({
    data: userKey ? (memory.get(userKey) as T | undefined) : undefined,
    loading: userKey !== null,
    offline: false,
    error: null,
  }));
  const [n, setN] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  useEffect(() => {
    if (userKey === null) return;
    let alive = true;
    setState({ data: memory.get(userKey) as T | undefined, loading: true, offline: false, error: null });
    loadRef.current().then(
      (data) => {
        memory.set(userKey, data);
        if (alive) setState({ data, loading: false, offline: false, error: null });
      },
      (e: unknown) => {
        if (!alive) return;
        const data = memory.get(userKey) as T | undefined;
        if (e instanceof NetworkError || (e instanceof ApiError && e.transient)) setState({ data, loading: false, offline: true, error: null });
        else setState({ data, loading: false, offline: false, error: e instanceof Error ? e.message : String(e) });
      },
    );
    return () => {
      alive = false;
    };
  }, [userKey, n]);
  return { ...state, retry: () => setN((x) => x + 1) };
}
