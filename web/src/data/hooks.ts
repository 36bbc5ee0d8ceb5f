/** Hooks that read the local store (re-running on every store change) and refresh it from REST. */
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, NetworkError } from '../api/client';
import { useObservable } from '../lib/observable';
import { runtime, type Runtime } from '../runtime';
import type { SyncStore } from '../sync/store';

export function useRuntime(): Runtime | null {
  return useObservable(runtime);
}

/** Reads from IndexedDB now and again after every change to it (pulls, live events, outbox). */
export function useQuery<T>(read: (store: SyncStore) => Promise<T>, deps: unknown[], initial: T): T {
  const rt = useRuntime();
  const [value, setValue] = useState<T>(initial);
  const readRef = useRef(read);
  readRef.current = read;
  useEffect(() => {
    if (!rt) return;
    let alive = true;
    let queued = false;
    const run = () => {
      if (queued) return;
      queued = true;
      queueMicrotask(() => {
        queued = false;
        readRef.current(rt.store).then(
          (v) => alive && setValue(v),
          (e) => console.error(e),
        );
      });
    };
    run();
    const off = rt.store.onChange(run);
    return () => {
      alive = false;
      off();
    };
  }, [rt, ...deps]);
  return value;
}

export interface RefreshState {
  loading: boolean;
  /** True when the server could not be reached: the screen shows cached data. */
  offline: boolean;
  error: string | null;
  retry: () => void;
}

/** Fetches fresh data from the server into the store when the screen opens. */
export function useRefresh(load: (rt: Runtime) => Promise<unknown>, deps: unknown[]): RefreshState {
  const rt = useRuntime();
  const [state, setState] = useState({ loading: true, offline: false, error: null as string | null });
  const [n, setN] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  useEffect(() => {
    if (!rt) return;
    let alive = true;
    setState({ loading: true, offline: false, error: null });
    loadRef.current(rt).then(
      () => alive && setState({ loading: false, offline: false, error: null }),
      (e: unknown) => {
        if (!alive) return;
        if (e instanceof NetworkError || (e instanceof ApiError && e.transient)) setState({ loading: false, offline: true, error: null });
        else setState({ loading: false, offline: false, error: e instanceof Error ? e.message : String(e) });
      },
    );
    return () => {
      alive = false;
    };
  }, [rt, n, ...deps]);
  return { ...state, retry: () => setN((x) => x + 1) };
}
