/**
 * The sync engine (runs in the page, never in the service worker):
 *
 *  1. push: send the outbox in order, in batches, to POST /sync/push. applied/duplicate
 *     remove the entry; conflict moves it aside with the server's current state for the user
 *     to resolve; rejected moves it to the rejected list with the reason. A network or server
 *     failure keeps everything and retries with exponential backoff: nothing is ever dropped.
 *  2. pull: GET /sync/pull?since=cursor&limit=500 until has_more is false, applying changes
 *     (and `reset` entries, which clear a scope) and moving the cursor in the same
 *     IndexedDB transaction.
 *
 * fetch (through ApiClient) and the clock are injected, so all of this runs under Vitest.
 */
import { ApiError, type ApiClient } from '../api/client';
import type { MutationName, PullResponse, PushResponse, PushResult } from '../api/wire';
import { backoffDelay, realClock, type BackoffPolicy, type Clock } from './clock';
import { ENTITY, type Row } from './entities';
import { Outbox, targetKey, textField, toWire } from './outbox';
import { applyViaRest } from './rest';
import type { ConflictRecord, OutboxEntry, SyncStore } from './store';

export type EnginePhase = 'idle' | 'syncing' | 'retrying' | 'unauthorized';
export interface EngineStatus {
  phase: EnginePhase;
  attempt: number;
  nextRetryAt: number | null;
  lastError: string | null;
  lastSyncAt: number | null;
}

export type ConflictResolution = { kind: 'mine' } | { kind: 'theirs' } | { kind: 'merge'; text: string };

export interface EngineOptions {
  api: ApiClient;
  store: SyncStore;
  outbox: Outbox;
  clientId: string;
  clock?: Clock;
  batchSize?: number;
  pullLimit?: number;
  backoff?: BackoffPolicy;
  /** Delay before pushing after an enqueue (lets keystroke saves coalesce). */
  debounceMs?: number;
  /** Called after each pulled page with the new cursor. */
  onCursor?: (cursor: number) => void;
  /** How long to use the REST fallback before asking for /sync again (ms). */
  reprobeMs?: number;
}

/** A server without the sync routes answers 404 (or 405 for a POST to an unknown path). */
const missingRoute = (e: unknown) => e instanceof ApiError && (e.status === 404 || e.status === 405) && (e.code === 'not_found' || e.code === 'method_not_allowed' || e.code.startsWith('http_'));

/** The cached entity type a mutation's `entity`/`current` belongs to. */
export function entityTypeOf(name: MutationName): string | null {
  if (name.startsWith('message.') || name === 'reaction.set') return ENTITY.message;
  if (name === 'meeting.update' || name === 'attendance.set') return ENTITY.meeting;
  if (name === 'agenda.create' || name === 'agenda.update' || name === 'agenda.delete') return ENTITY.agenda;
  if (name === 'minutes.update_section' || name === 'minutes.resolve_conflict') return ENTITY.minutes;
  if (name === 'decision.create') return ENTITY.decision;
  if (name.startsWith('action_item.')) return ENTITY.actionItem;
  return null;
}

/**
 * The version the entity a mutation targets has in `state` (a result's entity or a
 * conflict's current). Minutes sections carry their own version; we accept either the whole
 * minutes document or just the section.
 */
export function versionIn(e: Pick<OutboxEntry, 'name' | 'args'>, state: Row | null | undefined): number | null {
  if (!state) return null;
  if (e.name === 'minutes.update_section' && Array.isArray(state.sections)) {
    const aid = (e.args as { agenda_item_id: number | null }).agenda_item_id ?? null;
    const sec = (state.sections as Row[]).find((s) => (s.agenda_item_id ?? null) === aid);
    return typeof sec?.version === 'number' ? sec.version : null;
  }
  return typeof state.version === 'number' ? state.version : null;
}

/** The text a conflicting state holds for the field a mutation edits. */
export function textIn(e: Pick<OutboxEntry, 'name' | 'args'>, state: Row | null | undefined): string {
  if (!state) return '';
  const field = textField(e.name);
  if (!field) return JSON.stringify(state, null, 2);
  if (e.name === 'minutes.update_section' && Array.isArray(state.sections)) {
    const aid = (e.args as { agenda_item_id: number | null }).agenda_item_id ?? null;
    const sec = (state.sections as Row[]).find((s) => (s.agenda_item_id ?? null) === aid);
    return String(sec?.notes ?? '');
  }
  return String(state[field] ?? '');
}

export class SyncEngine {
  readonly store: SyncStore;
  readonly outbox: Outbox;
  private readonly api: ApiClient;
  private readonly clientId: string;
  private readonly clock: Clock;
  private readonly batchSize: number;
  private readonly pullLimit: number;
  private readonly backoff: BackoffPolicy;
  private readonly debounceMs: number;
  private readonly onCursor?: (cursor: number) => void;
  private readonly reprobeMs: number;
  /** Until when the server is known to lack /sync (then mutations go over REST). */
  private noSyncUntil = 0;

  private running: Promise<void> | null = null;
  private again = false;
  private retryTimer: unknown = null;
  private debounceTimer: unknown = null;
  private stopped = false;
  private listeners = new Set<(s: EngineStatus) => void>();
  status: EngineStatus = { phase: 'idle', attempt: 0, nextRetryAt: null, lastError: null, lastSyncAt: null };

  constructor(o: EngineOptions) {
    this.api = o.api;
    this.store = o.store;
    this.outbox = o.outbox;
    this.clientId = o.clientId;
    this.clock = o.clock ?? realClock;
    this.batchSize = o.batchSize ?? 50;
    this.pullLimit = o.pullLimit ?? 500;
    this.backoff = o.backoff ?? { baseMs: 1000, maxMs: 60_000 };
    this.debounceMs = o.debounceMs ?? 400;
    this.onCursor = o.onCursor;
    this.reprobeMs = o.reprobeMs ?? 5 * 60_000;
  }

  /** True while the server lacks /sync and mutations are applied through REST. */
  get restMode(): boolean {
    return this.clock.now() < this.noSyncUntil;
  }

  subscribe(fn: (s: EngineStatus) => void): () => void {
    this.listeners.add(fn);
    fn(this.status);
    return () => this.listeners.delete(fn);
  }
  private setStatus(patch: Partial<EngineStatus>) {
    this.status = { ...this.status, ...patch };
    for (const fn of this.listeners) fn(this.status);
  }

  /** Push soon (after an enqueue). Does not cut a running backoff short. */
  requestSync(): void {
    if (this.stopped || this.retryTimer !== null || this.status.phase === 'unauthorized') return;
    if (this.debounceTimer !== null) this.clock.clearTimeout(this.debounceTimer);
    this.debounceTimer = this.clock.setTimeout(() => {
      this.debounceTimer = null;
      void this.sync();
    }, this.debounceMs);
  }

  /** Sync right now (app start, `online` event, WebSocket reconnected, user pressed retry). */
  syncNow(): Promise<void> {
    if (this.retryTimer !== null) {
      this.clock.clearTimeout(this.retryTimer);
      this.retryTimer = null;
    }
    if (this.status.phase === 'unauthorized') this.setStatus({ phase: 'idle' });
    return this.sync();
  }

  stop(): void {
    this.stopped = true;
    if (this.retryTimer !== null) this.clock.clearTimeout(this.retryTimer);
    if (this.debounceTimer !== null) this.clock.clearTimeout(this.debounceTimer);
    this.retryTimer = this.debounceTimer = null;
  }

  /** Resolves when no sync is running. */
  async whenIdle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** One push+pull cycle; concurrent calls join the running one (and run once more after). */
  sync(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.cycle();
        } while (this.again && this.retryTimer === null && this.status.phase !== 'unauthorized');
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }

  private async cycle(): Promise<void> {
    this.setStatus({ phase: 'syncing' });
    try {
      await this.push();
      await this.pull();
      this.setStatus({ phase: 'idle', attempt: 0, nextRetryAt: null, lastError: null, lastSyncAt: this.clock.now() });
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) {
        this.setStatus({ phase: 'unauthorized', lastError: e.detail, nextRetryAt: null });
        return;
      }
      this.scheduleRetry(e);
    }
  }

  private scheduleRetry(e: unknown) {
    if (this.stopped) return;
    const attempt = this.status.attempt;
    const delay = backoffDelay(attempt, this.backoff, this.clock.random);
    this.retryTimer = this.clock.setTimeout(() => {
      this.retryTimer = null;
      void this.sync();
    }, delay);
    this.setStatus({
      phase: 'retrying',
      attempt: attempt + 1,
      nextRetryAt: this.clock.now() + delay,
      lastError: e instanceof Error ? e.message : String(e),
    });
  }

  // ------------------------------------------------------------------ push

  /** Pushes the whole outbox; throws (keeping every entry) on a network/server failure. */
  async push(): Promise<void> {
    for (;;) {
      // Take the next batch and mark it sent in one transaction. A batch never holds two
      // mutations of the same target: the second must be rebased on the first's result.
      const batch = await this.store.outboxTransact((all) => {
        const picked: OutboxEntry[] = [];
        const keys = new Set<string>();
        for (const e of all) {
          const k = targetKey(e.name, e.args as Record<string, unknown>);
          if (k && keys.has(k)) break;
          if (k) keys.add(k);
          picked.push({ ...e, sent: true, attempts: e.attempts + 1 });
          if (picked.length >= this.batchSize) break;
        }
        return { put: picked, result: picked };
      });
      if (!batch.length) return;

      const res = await this.send(batch);
      const byId = new Map((res?.results ?? []).map((r) => [r.id, r] as const));
      let progressed = false;
      for (const e of batch) {
        const r = byId.get(e.id);
        if (!r) continue; // no answer for it: stays queued, sent again next round
        if (await this.handleResult(e, r)) progressed = true;
      }
      if (!progressed) throw new Error('sync push: the server answered none of the mutations');
    }
  }

  private async send(batch: OutboxEntry[]): Promise<PushResponse> {
    if (!this.restMode) {
      try {
        return await this.api.post<PushResponse>('/sync/push', { client_id: this.clientId, mutations: batch.map(toWire) });
      } catch (e) {
        if (!missingRoute(e)) throw e;
        this.noSyncUntil = this.clock.now() + this.reprobeMs;
      }
    }
    // In order, stopping at the first failure to reach the server: the rest stay queued.
    const results: PushResult[] = [];
    for (const e of batch) {
      try {
        results.push(await applyViaRest(this.api, toWire(e)));
      } catch (err) {
        if (!results.length) throw err;
        break;
      }
    }
    return { results };
  }

  private async handleResult(e: OutboxEntry, r: PushResult): Promise<boolean> {
    const now = new Date(this.clock.now()).toISOString();
    switch (r.status) {
      case 'applied':
      case 'duplicate': {
        await this.store.outboxDelete(e.id);
        if (r.entity) {
          await this.applyState(e, r.entity);
          await this.rebase(e, versionIn(e, r.entity));
        }
        return true;
      }
      case 'conflict':
        await this.store.moveToConflict({
          id: e.id,
          mutation: e,
          current: (r.current as Row | undefined) ?? null,
          reason: r.reason,
          code: r.code,
          created_at: now,
        });
        return true;
      case 'rejected':
        await this.store.moveToRejected({ id: e.id, mutation: e, reason: r.reason || r.code || 'rejected', code: r.code, created_at: now });
        return true;
      default:
        return false;
    }
  }

  /** Later queued edits of the same target were made against e's base: move them to `version`. */
  private async rebase(e: OutboxEntry, version: number | null): Promise<void> {
    const key = targetKey(e.name, e.args as Record<string, unknown>);
    if (!key || version === null) return;
    await this.store.outboxTransact((all) => {
      const put = all
        .filter((o) => o.id !== e.id && targetKey(o.name, o.args as Record<string, unknown>) === key && o.base_version === e.base_version && o.base_version !== null)
        .map((o) => ({ ...o, base_version: version }));
      return { put, result: undefined };
    });
  }

  /** Writes a server state (result entity or conflict `current`) into the cache. */
  private async applyState(e: OutboxEntry, state: Row): Promise<void> {
    const type = entityTypeOf(e.name);
    if (!type) return;
    if (type === ENTITY.minutes) {
      // A section answer may lack meeting_id (REST): take it from the args or the cached section.
      const cached = typeof state.id === 'number' ? await this.store.get<Row>(ENTITY.minutesSection, state.id) : undefined;
      const meetingId = (e.args as { meeting_id?: number }).meeting_id ?? state.meeting_id ?? cached?.meeting_id;
      if (meetingId === undefined) return;
      if (Array.isArray(state.sections)) await this.store.putMinutes({ meeting_id: meetingId, ...state });
      else if ('notes' in state) await this.store.put(ENTITY.minutesSection, { meeting_id: meetingId, ...state });
      return;
    }
    if (typeof state.id !== 'number') return;
    await this.store.put(type, state);
  }

  // ------------------------------------------------------------------ pull

  async pull(): Promise<void> {
    if (this.restMode) return; // no log to pull from: screens refresh over REST, live over the WebSocket
    let since = await this.store.getCursor();
    for (;;) {
      let page: PullResponse;
      try {
        page = await this.api.get<PullResponse>('/sync/pull', { since, limit: this.pullLimit });
      } catch (e) {
        if (!missingRoute(e)) throw e;
        this.noSyncUntil = this.clock.now() + this.reprobeMs;
        return;
      }
      const cursor = typeof page.cursor === 'number' ? page.cursor : since;
      await this.store.applyChanges(page.changes ?? [], cursor);
      this.onCursor?.(cursor);
      if (!page.has_more || cursor <= since) return;
      since = cursor;
    }
  }

  // ------------------------------------------------------------------ conflicts

  async resolveConflict(id: string, how: ConflictResolution): Promise<void> {
    const rec = (await this.store.conflicts()).find((c) => c.id === id);
    if (!rec) return;
    const m = rec.mutation;
    const base = versionIn(m, rec.current);
    if (how.kind === 'theirs') {
      if (rec.current) await this.applyState(m, rec.current);
    } else {
      let args = m.args as Record<string, unknown>;
      if (how.kind === 'merge') {
        const field = textField(m.name);
        if (field) args = { ...args, [field]: how.text };
      }
      await this.outbox.add(m.name, args as never, base);
    }
    await this.store.conflictDelete(id);
    if (how.kind !== 'theirs') this.requestSync();
  }

  conflictTexts(rec: ConflictRecord): { mine: string; theirs: string } {
    const field = textField(rec.mutation.name);
    const args = rec.mutation.args as Record<string, unknown>;
    return {
      mine: field ? String(args[field] ?? '') : JSON.stringify(args, null, 2),
      theirs: textIn(rec.mutation, rec.current),
    };
  }

  dismissRejected(id: string): Promise<void> {
    return this.store.rejectedDelete(id);
  }
}
