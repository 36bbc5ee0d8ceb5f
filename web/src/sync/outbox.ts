/**
 * The outbox: every write the user makes is a mutation queued here first (persisted in
 * IndexedDB, so it survives reloads, crashes and week-long trips offline) and pushed by the
 * engine when the server is reachable.
 *
 * Two rules keep one person's successive edits from conflicting with themselves:
 *  - coalescing: a new edit of the same target (same minutes section, same message...) that
 *    finds an unsent edit of that target replaces its args in place, keeping its base_version;
 *  - rebasing: when the server applies an edit, later queued edits of the same target move to
 *    the version it answered (see engine.ts).
 */
import type { MutationArgs, MutationName, WireMutation } from '../api/wire';
import type { OutboxEntry, SyncStore } from './store';
import { uuid } from './uuid';

export interface OutboxOptions {
  now?: () => number;
  newId?: () => string;
  /** Called after every enqueue (the engine uses it to push soon). */
  onEnqueue?: () => void;
}

/** The entity+field a mutation writes, so edits of the same thing can be coalesced/rebased. */
export function targetKey(name: MutationName, args: Record<string, unknown>): string | null {
  switch (name) {
    case 'message.edit':
    case 'message.delete':
      return `message:${args.message_id}`;
    case 'meeting.update':
      return `meeting:${args.meeting_id}`;
    case 'agenda.update':
    case 'agenda.delete':
      return `agenda_item:${args.agenda_item_id}`;
    case 'agenda.reorder':
      return `agenda_order:${args.meeting_id}`;
    case 'minutes.update_section':
      return `minutes:${args.meeting_id}:${args.agenda_item_id ?? 'general'}`;
    case 'minutes.resolve_conflict':
      return `conflict_copy:${args.section_id}:${args.copy_id}`;
    case 'action_item.update':
      return `action_item:${args.action_item_id}`;
    case 'attendance.set':
      return `attendance:${args.meeting_id}:${args.user_id}`;
    case 'reaction.set':
      return `reaction:${args.message_id}:${args.emoji}`;
    default:
      return null; // creates are never merged
  }
}

/** Mutations whose later copy fully replaces an earlier one (vs. merging partial fields). */
const REPLACING = new Set<MutationName>(['message.edit', 'minutes.update_section', 'agenda.reorder', 'reaction.set', 'attendance.set']);
/** Mutations that cannot be merged with anything before them. */
const NEVER_MERGE = new Set<MutationName>(['message.delete', 'agenda.delete']);

/** The human-editable text field of a mutation (used by the conflict dialog). */
export function textField(name: MutationName): string | null {
  switch (name) {
    case 'message.edit':
      return 'body';
    case 'minutes.update_section':
      return 'notes';
    case 'agenda.update':
    case 'action_item.update':
    case 'meeting.update':
      return 'title';
    default:
      return null;
  }
}

export function toWire(e: OutboxEntry): WireMutation {
  return { id: e.id, name: e.name, args: e.args, base_version: e.base_version };
}

export class Outbox {
  private readonly now: () => number;
  private readonly newId: () => string;
  private chain: Promise<unknown> = Promise.resolve();
  onEnqueue?: () => void;

  constructor(
    readonly store: SyncStore,
    opts: OutboxOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
    this.newId = opts.newId ?? uuid;
    this.onEnqueue = opts.onEnqueue;
  }

  /** Queues a mutation; resolves with the stored entry (possibly an existing, coalesced one). */
  enqueue<N extends MutationName>(name: N, args: MutationArgs[N], base_version: number | null = null): Promise<OutboxEntry> {
    // Serialize enqueues so coalescing sees the previous one.
    const run = this.chain.then(() => this.doEnqueue(name, args, base_version));
    this.chain = run.catch(() => undefined);
    return run.then((e) => {
      this.onEnqueue?.();
      return e;
    });
  }

  private doEnqueue<N extends MutationName>(name: N, args: MutationArgs[N], base_version: number | null): Promise<OutboxEntry> {
    const key = targetKey(name, args as Record<string, unknown>);
    const fresh: OutboxEntry = {
      id: this.newId(),
      name,
      args,
      base_version,
      created_at: new Date(this.now()).toISOString(),
      sent: false,
      attempts: 0,
    };
    return this.store.outboxTransact((all) => {
      if (key && !NEVER_MERGE.has(name)) {
        // Only the last queued mutation of this target may absorb the new one, and only if
        // it has never been sent (a sent one may already be applied under its id).
        for (let i = all.length - 1; i >= 0; i--) {
          const e = all[i];
          if (targetKey(e.name, e.args as Record<string, unknown>) !== key) continue;
          if (e.name === name && !e.sent) {
            const merged = REPLACING.has(name) ? args : { ...(e.args as object), ...(args as object) };
            const updated: OutboxEntry = { ...e, args: merged as MutationArgs[N] };
            return { put: [updated], result: updated };
          }
          break;
        }
      }
      return { add: [fresh], result: fresh };
    });
  }

  /** Appends without coalescing (conflict resolutions: the user chose this exact text). */
  async add<N extends MutationName>(name: N, args: MutationArgs[N], base_version: number | null): Promise<OutboxEntry> {
    const e = await this.store.outboxAdd({
      id: this.newId(),
      name,
      args,
      base_version,
      created_at: new Date(this.now()).toISOString(),
      sent: false,
      attempts: 0,
    });
    this.onEnqueue?.();
    return e;
  }

  all(): Promise<OutboxEntry[]> {
    return this.store.outboxAll();
  }

  count(): Promise<number> {
    return this.store.outboxCount();
  }

  remove(id: string): Promise<void> {
    return this.store.outboxDelete(id);
  }
}
