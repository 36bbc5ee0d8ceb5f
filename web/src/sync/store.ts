/**
 * The local database (IndexedDB through `idb`): cached entities by type+id, the sync cursor,
 * the outbox of pending mutations, and the conflict and rejected lists.
 *
 * One database per signed-in user (name passed to open), so two officials sharing a laptop
 * never see each other's cache or outbox.
 */
import { openDB, deleteDB, type DBSchema, type IDBPDatabase, type IDBPObjectStore, type StoreNames } from 'idb';
import type { MutationArgs, MutationName, PullEntry } from '../api/wire';
import { idOf, KEEPS_SEQ, MERGED, parentOf, scopeOf, splitMinutes, type Row } from './entities';

export interface StoredEntity {
  type: string;
  id: number;
  scope: string;
  parent: string;
  version: number | null;
  data: Row;
}

export interface OutboxEntry<N extends MutationName = MutationName> {
  /** Position in the queue (IndexedDB autoIncrement key): push order. */
  seq?: number;
  /** uuid; the server deduplicates on it. */
  id: string;
  name: N;
  args: MutationArgs[N];
  base_version: number | null;
  created_at: string;
  /** Set once the mutation has left the device at least once (then never rewritten in place). */
  sent: boolean;
  attempts: number;
}

export interface ConflictRecord {
  id: string;
  mutation: OutboxEntry;
  current: Row | null;
  reason?: string;
  code?: string;
  created_at: string;
}

export interface RejectedRecord {
  id: string;
  mutation: OutboxEntry;
  reason: string;
  code?: string;
  created_at: string;
}

interface Schema extends DBSchema {
  entities: {
    key: [string, number];
    value: StoredEntity;
    indexes: { by_scope: string; by_type: string; by_parent: [string, string] };
  };
  meta: { key: string; value: unknown };
  outbox: { key: number; value: OutboxEntry; indexes: { by_id: string } };
  conflicts: { key: string; value: ConflictRecord };
  rejected: { key: string; value: RejectedRecord };
}

export type StoreEventKind = 'entities' | 'outbox' | 'conflicts' | 'rejected' | 'meta';
export interface StoreEvent {
  kind: StoreEventKind;
  types?: string[];
}

const CURSOR_KEY = 'cursor';
const COPY_PREFIX = 'copy:';

/** A REST answer kept on this device, with when it arrived (ISO instant). */
export interface SavedCopy<T> {
  data: T;
  savedAt: string;
}

export class SyncStore {
  private listeners = new Set<(e: StoreEvent) => void>();
  private constructor(
    readonly name: string,
    private db: IDBPDatabase<Schema>,
  ) {}

  static async open(name = 'gyoryu'): Promise<SyncStore> {
    const db = await openDB<Schema>(name, 1, {
      upgrade(db) {
        const entities = db.createObjectStore('entities', { keyPath: ['type', 'id'] });
        entities.createIndex('by_scope', 'scope');
        entities.createIndex('by_type', 'type');
        entities.createIndex('by_parent', ['type', 'parent']);
        db.createObjectStore('meta');
        const outbox = db.createObjectStore('outbox', { keyPath: 'seq', autoIncrement: true });
        outbox.createIndex('by_id', 'id', { unique: true });
        db.createObjectStore('conflicts', { keyPath: 'id' });
        db.createObjectStore('rejected', { keyPath: 'id' });
      },
    });
    return new SyncStore(name, db);
  }

  static async destroy(name: string): Promise<void> {
    await deleteDB(name);
  }

  close(): void {
    this.db.close();
  }

  onChange(fn: (e: StoreEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
  private emit(e: StoreEvent) {
    for (const fn of this.listeners) {
      try {
        fn(e);
      } catch (err) {
        console.error(err);
      }
    }
  }

  // ------------------------------------------------------------ entities

  async get<T = Row>(type: string, id: number): Promise<T | undefined> {
    const row = await this.db.get('entities', [type, id]);
    return row?.data as T | undefined;
  }

  async list<T = Row>(type: string): Promise<T[]> {
    const rows = await this.db.getAllFromIndex('entities', 'by_type', type);
    return rows.map((r) => r.data as T);
  }

  async children<T = Row>(type: string, parent: string): Promise<T[]> {
    const rows = await this.db.getAllFromIndex('entities', 'by_parent', [type, parent]);
    return rows.map((r) => r.data as T);
  }

  async byScope(scope: string): Promise<StoredEntity[]> {
    return this.db.getAllFromIndex('entities', 'by_scope', scope);
  }

  /** Puts entities, skipping any whose cached version is newer. */
  async putMany(type: string, items: Row[], scope?: string): Promise<void> {
    if (!items.length) return;
    const tx = this.db.transaction('entities', 'readwrite');
    for (const data of items) await putEntity(tx.store, type, data, scope);
    await tx.done;
    this.emit({ kind: 'entities', types: [type] });
  }

  put(type: string, data: Row, scope?: string): Promise<void> {
    return this.putMany(type, [data], scope);
  }

  /** Stores a whole minutes document as its parts (summary, sections, decisions, approvals). */
  async putMinutes(minutes: Row): Promise<void> {
    const parts = splitMinutes(minutes);
    const tx = this.db.transaction('entities', 'readwrite');
    for (const { type, items } of parts) for (const data of items) await putEntity(tx.store, type, data);
    await tx.done;
    this.emit({ kind: 'entities', types: parts.map((p) => p.type) });
  }

  async remove(type: string, id: number): Promise<void> {
    await this.db.delete('entities', [type, id]);
    this.emit({ kind: 'entities', types: [type] });
  }

  async clearScope(scope: string): Promise<void> {
    const tx = this.db.transaction('entities', 'readwrite');
    const types = await clearScopeIn(tx.store, scope);
    await tx.done;
    this.emit({ kind: 'entities', types });
  }

  /**
   * Applies pulled (or live) changes and, when given, moves the cursor, in one transaction:
   * the cursor never gets ahead of the data it stands for.
   */
  async applyChanges(entries: PullEntry[], cursor?: number): Promise<void> {
    const tx = this.db.transaction(['entities', 'meta'], 'readwrite');
    const es = tx.objectStore('entities');
    const types = new Set<string>();
    for (const e of entries) {
      if (e.type === 'reset') {
        for (const t of await clearScopeIn(es, e.scope)) types.add(t);
        continue;
      }
      if (e.type !== 'change') continue;
      types.add(e.entity);
      if (e.op === 'deleted') {
        await es.delete([e.entity, e.id]);
        continue;
      }
      const data = { ...(e.data || {}) } as Row;
      if (data.id === undefined && e.entity !== 'minutes') data.id = e.id;
      if (data.version === undefined) data.version = e.version;
      if (KEEPS_SEQ.has(e.entity)) data.seq = e.seq;
      await putEntity(es, e.entity, data, e.scope);
    }
    if (cursor !== undefined) {
      const meta = tx.objectStore('meta');
      const prev = ((await meta.get(CURSOR_KEY)) as number | undefined) ?? 0;
      if (cursor > prev) await meta.put(cursor, CURSOR_KEY);
    }
    await tx.done;
    if (types.size) this.emit({ kind: 'entities', types: [...types] });
  }

  // ------------------------------------------------------------ meta

  async getMeta<T>(key: string): Promise<T | undefined> {
    return (await this.db.get('meta', key)) as T | undefined;
  }
  async setMeta(key: string, value: unknown): Promise<void> {
    await this.db.put('meta', value, key);
    this.emit({ kind: 'meta' });
  }
  // ------------------------------------------------------------ saved copies of REST reads

  // Screens that read REST directly (data/remote.ts) may keep their last answer here for
  // offline reading: in `meta` under "copy:<key>" (so no schema upgrade), one entry per key,
  // overwritten by each answer. No change event: no useQuery reads them.
  async getCopy<T>(key: string): Promise<SavedCopy<T> | undefined> {
    return (await this.db.get('meta', COPY_PREFIX + key)) as SavedCopy<T> | undefined;
  }
  async putCopy(key: string, copy: SavedCopy<unknown>): Promise<void> {
    await this.db.put('meta', copy, COPY_PREFIX + key);
  }
  /** Drops every saved copy (sign-out). */
  async clearCopies(): Promise<void> {
    // Every key that starts with the prefix sorts between it and the prefix + U+FFFF.
    await this.db.delete('meta', IDBKeyRange.bound(COPY_PREFIX, COPY_PREFIX + '\uffff'));
  }

  async getCursor(): Promise<number> {
    return ((await this.db.get('meta', CURSOR_KEY)) as number | undefined) ?? 0;
  }
  async setCursor(cursor: number): Promise<void> {
    await this.db.put('meta', cursor, CURSOR_KEY);
  }

  // ------------------------------------------------------------ outbox

  async outboxAdd(entry: OutboxEntry): Promise<OutboxEntry> {
    const copy = { ...entry };
    delete copy.seq;
    const seq = await this.db.add('outbox', copy);
    this.emit({ kind: 'outbox' });
    return { ...copy, seq };
  }
  /** Rewrites an entry in place (keeps its position). */
  async outboxPut(entry: OutboxEntry): Promise<void> {
    await this.db.put('outbox', entry);
    this.emit({ kind: 'outbox' });
  }
  /**
   * Read-modify-write of the whole queue in ONE transaction, so an enqueue that coalesces and
   * the engine marking entries as sent can never overwrite each other. `edit` is synchronous:
   * it may change entries in place (return them in `put`) and append new ones (`add`).
   */
  async outboxTransact<R>(
    edit: (all: OutboxEntry[]) => { put?: OutboxEntry[]; add?: OutboxEntry[]; result: R },
  ): Promise<R> {
    const tx = this.db.transaction('outbox', 'readwrite');
    const all = await tx.store.getAll();
    const { put = [], add = [], result } = edit(all);
    for (const e of put) await tx.store.put(e);
    for (const e of add) {
      const copy = { ...e };
      delete copy.seq;
      e.seq = await tx.store.add(copy);
    }
    await tx.done;
    if (put.length || add.length) this.emit({ kind: 'outbox' });
    return result;
  }

  async outboxAll(): Promise<OutboxEntry[]> {
    return this.db.getAll('outbox');
  }
  async outboxGet(id: string): Promise<OutboxEntry | undefined> {
    return this.db.getFromIndex('outbox', 'by_id', id);
  }
  async outboxDelete(id: string): Promise<void> {
    const tx = this.db.transaction('outbox', 'readwrite');
    const key = await tx.store.index('by_id').getKey(id);
    if (key !== undefined) await tx.store.delete(key);
    await tx.done;
    this.emit({ kind: 'outbox' });
  }
  async outboxCount(): Promise<number> {
    return this.db.count('outbox');
  }

  // ------------------------------------------------------------ conflicts / rejected

  /** Moves a mutation out of the outbox into the conflict list, atomically. */
  async moveToConflict(rec: ConflictRecord): Promise<void> {
    const tx = this.db.transaction(['outbox', 'conflicts'], 'readwrite');
    const ob = tx.objectStore('outbox');
    const key = await ob.index('by_id').getKey(rec.id);
    if (key !== undefined) await ob.delete(key);
    await tx.objectStore('conflicts').put(rec);
    await tx.done;
    this.emit({ kind: 'outbox' });
    this.emit({ kind: 'conflicts' });
  }
  async moveToRejected(rec: RejectedRecord): Promise<void> {
    const tx = this.db.transaction(['outbox', 'rejected'], 'readwrite');
    const ob = tx.objectStore('outbox');
    const key = await ob.index('by_id').getKey(rec.id);
    if (key !== undefined) await ob.delete(key);
    await tx.objectStore('rejected').put(rec);
    await tx.done;
    this.emit({ kind: 'outbox' });
    this.emit({ kind: 'rejected' });
  }
  async conflicts(): Promise<ConflictRecord[]> {
    const all = await this.db.getAll('conflicts');
    return all.sort((a, b) => a.created_at.localeCompare(b.created_at));
  }
  async conflictDelete(id: string): Promise<void> {
    await this.db.delete('conflicts', id);
    this.emit({ kind: 'conflicts' });
  }
  async rejected(): Promise<RejectedRecord[]> {
    const all = await this.db.getAll('rejected');
    return all.sort((a, b) => a.created_at.localeCompare(b.created_at));
  }
  async rejectedDelete(id: string): Promise<void> {
    await this.db.delete('rejected', id);
    this.emit({ kind: 'rejected' });
  }
}

type EntityStore = IDBPObjectStore<Schema, ArrayLike<StoreNames<Schema>>, 'entities', 'readwrite'>;

async function putEntity(store: EntityStore, type: string, data: Row, scope?: string): Promise<void> {
  const id = idOf(type, data);
  if (typeof id !== 'number') return;
  const version = typeof data.version === 'number' ? data.version : null;
  const prev = await store.get([type, id]);
  if (prev && prev.version !== null && version !== null && prev.version > version) return;
  const merged = prev && MERGED.has(type) ? { ...prev.data, ...data } : data;
  await store.put({
    type,
    id,
    scope: scope || scopeOf(type, merged) || prev?.scope || '',
    parent: parentOf(type, merged),
    version,
    data: merged,
  });
}

async function clearScopeIn(store: EntityStore, scope: string): Promise<string[]> {
  const types = new Set<string>();
  let cur = await store.index('by_scope').openCursor(scope);
  while (cur) {
    types.add(cur.value.type);
    await cur.delete();
    cur = await cur.continue();
  }
  return [...types];
}
