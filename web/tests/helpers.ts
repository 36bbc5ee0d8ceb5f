import 'fake-indexeddb/auto';
import { ApiClient } from '../src/api/client';
import type { Clock } from '../src/sync/clock';
import { SyncStore } from '../src/sync/store';

let dbCounter = 0;
export function freshDbName(): string {
  return `test-db-${Date.now()}-${++dbCounter}`;
}

/** Lets IndexedDB (fake-indexeddb schedules with setImmediate) and promises settle. */
export async function settle(rounds = 5): Promise<void> {
  // fake-indexeddb schedules its work with setImmediate; a macrotask lets it run.
  for (let i = 0; i < rounds; i++) await new Promise((r) => setTimeout(r, 0));
}

/** A manual clock: timers only fire when the test advances time. random() = 1 (no jitter). */
export class FakeClock implements Clock {
  t = 1_700_000_000_000;
  private seq = 0;
  timers: { id: number; at: number; fn: () => void }[] = [];
  now = () => this.t;
  random = () => 1;
  setTimeout = (fn: () => void, ms: number) => {
    const id = ++this.seq;
    this.timers.push({ id, at: this.t + ms, fn });
    return id;
  };
  clearTimeout = (h: unknown) => {
    this.timers = this.timers.filter((x) => x.id !== h);
  };
  /** Delay of the next pending timer from now (or null). */
  nextDelay(): number | null {
    if (!this.timers.length) return null;
    return Math.min(...this.timers.map((x) => x.at)) - this.t;
  }
  async advance(ms: number): Promise<void> {
    const target = this.t + ms;
    for (;;) {
      const due = this.timers.filter((x) => x.at <= target).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.timers = this.timers.filter((x) => x !== due);
      this.t = due.at;
      due.fn();
      await settle();
    }
    this.t = target;
  }
}

export interface Call {
  method: string;
  url: string;
  body: any;
  headers: Record<string, string>;
}

type Handler = (call: Call) => unknown | Promise<unknown>;

export function json(body: unknown, status = 200, contentType = 'application/json'): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': contentType } });
}

/**
 * A fake fetch: the handler returns a Response, a plain object (sent as 200 JSON), or throws
 * (a network failure, as fetch rejects with TypeError).
 */
export function fakeFetch(handler: Handler) {
  const calls: Call[] = [];
  const fetch = async (url: string, init: RequestInit = {}) => {
    const call: Call = {
      method: init.method ?? 'GET',
      url,
      body: typeof init.body === 'string' ? JSON.parse(init.body) : init.body,
      headers: (init.headers ?? {}) as Record<string, string>,
    };
    calls.push(call);
    const out = await handler(call);
    return out instanceof Response ? out : json(out);
  };
  return { fetch, calls };
}

export function apiWith(fetch: (url: string, init?: RequestInit) => Promise<Response>, token = 'tok'): ApiClient {
  return new ApiClient({ fetch, getToken: () => token });
}

export async function openStore(name = freshDbName()): Promise<SyncStore> {
  return SyncStore.open(name);
}
