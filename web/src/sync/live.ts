/**
 * The live connection: WebSocket /api/v1/ws.
 *
 *   client: {"type":"auth","token":...}
 *   client: {"type":"subscribe","scopes":[...],"since":N}
 *   server: replayed `change`s after N, {"type":"caught_up","seq":M}, then live `change`s,
 *           `typing`, `presence`, `error`.
 *
 * On a drop it reconnects with backoff and resubscribes with since = the last seq it saw, so
 * nothing committed in between is missed (the server replays from the change log). The
 * WebSocket constructor and the clock are injected for tests.
 */
import type { ChangeEvent, WsClientMessage, WsPresence, WsPresenceState, WsServerMessage, WsSubscriptionEnded, WsTyping } from '../api/wire';
import { backoffDelay, realClock, type BackoffPolicy, type Clock } from './clock';

/** The part of the WebSocket API we use (the browser's, or a test double). */
export interface SocketLike {
  readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: unknown) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}
export type SocketFactory = (url: string) => SocketLike;

export type LiveState = 'connecting' | 'open' | 'closed';

export interface LiveOptions {
  url: string;
  getToken: () => string | null;
  connect: SocketFactory;
  clock?: Clock;
  backoff?: BackoffPolicy;
  /** The seq to resume from on the first connect (null: replay nothing). */
  since?: number | null;
  scopes?: string[];
  typingThrottleMs?: number;
  onChange?: (e: ChangeEvent) => void | Promise<void>;
  onCaughtUp?: (seq: number) => void;
  onTyping?: (e: WsTyping) => void;
  onPresence?: (e: WsPresence) => void;
  /** Who is in a scope right now (sent on subscribe). */
  onPresenceState?: (e: WsPresenceState) => void;
  /** The server ended a subscription (access revoked): the scope's cache should go. */
  onSubscriptionEnded?: (e: WsSubscriptionEnded) => void;
  onError?: (e: { code?: string; detail?: string }) => void;
  onState?: (s: LiveState) => void;
}

const OPEN = 1;

export class LiveConnection {
  private ws: SocketLike | null = null;
  private scopes: string[];
  private lastSeq: number | null;
  private attempt = 0;
  private timer: unknown = null;
  private stopped = true;
  private readonly clock: Clock;
  private readonly backoff: BackoffPolicy;
  private readonly typingThrottleMs: number;
  private lastTyping = new Map<string, number>();
  state: LiveState = 'closed';

  constructor(private readonly o: LiveOptions) {
    this.clock = o.clock ?? realClock;
    this.backoff = o.backoff ?? { baseMs: 1000, maxMs: 30_000 };
    this.typingThrottleMs = o.typingThrottleMs ?? 3000;
    this.scopes = o.scopes ?? [];
    this.lastSeq = o.since ?? null;
  }

  /** The highest seq received (change or caught_up): where a resubscribe resumes. */
  get since(): number | null {
    return this.lastSeq;
  }

  /** Moves the resume point forward (e.g. after a sync pull went further). */
  advance(seq: number): void {
    if (this.lastSeq === null || seq > this.lastSeq) this.lastSeq = seq;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.open();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      ws.onclose = ws.onmessage = ws.onerror = ws.onopen = null;
      try {
        ws.close(1000, 'bye');
      } catch {
        /* already closed */
      }
    }
    this.setState('closed');
  }

  /** Reconnect now (network came back), skipping the remaining backoff. */
  reconnectNow(): void {
    if (this.stopped) return;
    if (this.state === 'open') return;
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
    this.attempt = 0;
    if (this.ws) return; // a connect is already in progress
    this.open();
  }

  setScopes(scopes: string[]): void {
    const next = [...new Set(scopes)].sort();
    if (next.join(',') === this.scopes.join(',')) return;
    this.scopes = next;
    if (this.state === 'open') this.subscribe();
  }

  /** Tells others we are typing in a thread; at most once per throttle window per thread. */
  sendTyping(scope: string, threadId: number): boolean {
    if (this.state !== 'open' || !this.ws) return false;
    const key = `${scope}/${threadId}`;
    const now = this.clock.now();
    const last = this.lastTyping.get(key);
    if (last !== undefined && now - last < this.typingThrottleMs) return false;
    this.lastTyping.set(key, now);
    this.send({ type: 'typing', scope, thread_id: threadId });
    return true;
  }

  private setState(s: LiveState) {
    if (this.state === s) return;
    this.state = s;
    this.o.onState?.(s);
  }

  private send(msg: WsClientMessage) {
    if (this.ws && this.ws.readyState === OPEN) this.ws.send(JSON.stringify(msg));
  }

  private subscribe() {
    this.send({ type: 'subscribe', scopes: this.scopes, since: this.lastSeq });
  }

  private open() {
    this.setState('connecting');
    let ws: SocketLike;
    try {
      ws = this.o.connect(this.o.url);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      const token = this.o.getToken();
      if (token) this.send({ type: 'auth', token });
      this.subscribe();
      this.setState('open');
    };
    ws.onmessage = (ev) => this.handle(ev.data);
    ws.onerror = () => {
      /* onclose follows */
    };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.setState('closed');
      this.scheduleReconnect();
    };
  }

  private scheduleReconnect() {
    if (this.stopped || this.timer !== null) return;
    const delay = backoffDelay(this.attempt, this.backoff, this.clock.random);
    this.attempt++;
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      if (!this.stopped) this.open();
    }, delay);
  }

  private handle(raw: unknown) {
    let msg: WsServerMessage;
    try {
      msg = JSON.parse(String(raw)) as WsServerMessage;
    } catch {
      return;
    }
    switch (msg.type) {
      case 'change':
        this.advance(msg.seq);
        void this.o.onChange?.(msg);
        break;
      case 'caught_up':
        this.attempt = 0;
        if (typeof msg.seq === 'number') this.advance(msg.seq);
        this.o.onCaughtUp?.(msg.seq);
        break;
      case 'typing':
        this.o.onTyping?.(msg);
        break;
      case 'presence':
        this.o.onPresence?.(msg);
        break;
      case 'presence_state':
        this.o.onPresenceState?.(msg);
        break;
      case 'subscription_ended':
        this.scopes = this.scopes.filter((s) => s !== msg.scope);
        this.o.onSubscriptionEnded?.(msg);
        break;
      case 'error':
        this.o.onError?.(msg);
        if (msg.code === 'unauthorized' || msg.code === 'auth_failed') this.stop();
        break;
    }
  }
}

/** ws:// or wss:// URL of the live endpoint on the page's own host. */
export function liveUrl(loc: { protocol: string; host: string } = location): string {
  return `${loc.protocol === 'https:' ? 'wss:' : 'ws:'}//${loc.host}/api/v1/ws`;
}
