/**
 * The directory screen, live: which list a change of the `platform` scope makes stale, and a
 * coalescer that turns a burst of changes (a CSV import writes thousands of rows in one
 * transaction, so thousands of `change` events arrive at once) into one re-read per list per
 * window. Plain TS with an injected clock, tested in tests/directory-live.test.ts; the screen's
 * hook is screens/directory/useDirectoryLive.ts.
 */
import type { ChangeEvent } from '../api/wire';
import { realClock, type Clock } from '../sync/clock';

/** The scope every directory write records its change in (server/directory/service.py). */
export const PLATFORM_SCOPE = 'platform';

/** How long changes gather before the lists they touch are read again. */
export const LIVE_REREAD_MS = 300;

/**
 * The lists the directory screen reads from the server: the first six in one load
 * (screens/directory/data.ts, `loadDirectory`), `glossary` by the glossary card's search.
 */
export type DirectoryPart = 'regions' | 'cities' | 'partnerships' | 'sectors' | 'counterparts' | 'users' | 'glossary';

/** The parts the one directory load reads (all but the glossary's search). */
export const LOADED_PARTS: readonly DirectoryPart[] = ['regions', 'cities', 'partnerships', 'sectors', 'counterparts', 'users'];

/**
 * Entity (as the change log names it) -> the lists showing it. A list shows what it reads and
 * nothing more: a renamed city or sector reaches the other cards (partnerships name cities, the
 * glossary names sectors) through the screen's one copy of the cities and sectors, so only
 * that list is read again. `organization_city` (an organization's city) and `organization` are
 * in no list the screen shows; `user` is, for the officials' names of counterpart pairs.
 */
const PARTS_OF: Readonly<Record<string, readonly DirectoryPart[]>> = {
  region: ['regions'],
  city: ['cities'],
  partnership: ['partnerships'],
  sector: ['sectors'],
  counterpart: ['counterparts'],
  glossary_term: ['glossary'],
  user: ['users'],
  organization: [],
  organization_city: [],
};

/** The lists a change makes stale; none for a change outside the platform scope. */
export function partsFor(e: Pick<ChangeEvent, 'scope' | 'entity'>): readonly DirectoryPart[] {
  if (e.scope !== PLATFORM_SCOPE) return [];
  return PARTS_OF[e.entity] ?? [];
}

/**
 * Gathers keys (parts) and runs `run` with all of them at most once per `delayMs`: the first key
 * starts the window, the ones that come during it join, and the window's end runs them together.
 * A run is never overlapped by the next: keys that come while one is running wait for it to
 * finish, then for a window of their own. So a burst of N changes costs one read per list, and
 * a steady stream one read per list per window, never a pile of reads racing each other.
 */
export class Coalescer<K> {
  private pending = new Set<K>();
  private timer: unknown = null;
  private running = false;
  private stopped = false;

  constructor(
    private readonly run: (keys: Set<K>) => void | Promise<void>,
    private readonly delayMs: number = LIVE_REREAD_MS,
    private readonly clock: Clock = realClock,
  ) {}

  add(keys: Iterable<K>): void {
    if (this.stopped) return;
    for (const k of keys) this.pending.add(k);
    this.schedule();
  }

  /** Nothing more runs (the screen closed); a run under way finishes on its own. */
  stop(): void {
    this.stopped = true;
    this.pending.clear();
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    if (this.stopped || this.running || this.timer !== null || this.pending.size === 0) return;
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, this.delayMs);
  }

  private async flush(): Promise<void> {
    if (this.stopped || this.pending.size === 0) return;
    const keys = this.pending;
    this.pending = new Set();
    this.running = true;
    try {
      await this.run(keys);
    } catch (e) {
      // A failed re-read leaves the list as it was; the next change, or the user, asks again.
      console.warn('directory re-read failed', e);
    } finally {
      this.running = false;
      this.schedule();
    }
  }
}
