import { describe, expect, it } from 'vitest';
import type { ChangeEvent, WsTyping } from '../src/api/wire';
import { LiveConnection, type SocketLike } from '../src/sync/live';
import { FakeClock } from './helpers';

class FakeSocket implements SocketLike {
  readyState = 0;
  sent: any[] = [];
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: unknown) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  constructor(readonly url: string) {}
  send(data: string) {
    this.sent.push(JSON.parse(data));
  }
  close() {
    this.readyState = 3;
  }
  // test controls
  open() {
    this.readyState = 1;
    this.onopen?.({});
  }
  receive(msg: object) {
    this.onmessage?.({ data: JSON.stringify(msg) });
  }
  drop() {
    this.readyState = 3;
    this.onclose?.({});
  }
}

function setup(since: number | null = 40) {
  const sockets: FakeSocket[] = [];
  const clock = new FakeClock();
  const changes: ChangeEvent[] = [];
  const typing: WsTyping[] = [];
  const live = new LiveConnection({
    url: 'ws://h/api/v1/ws',
    getToken: () => 'secret',
    connect: (url) => {
      const s = new FakeSocket(url);
      sockets.push(s);
      return s;
    },
    clock,
    since,
    scopes: ['channel:1', 'meeting:2'],
    backoff: { baseMs: 1000, maxMs: 30_000 },
    onChange: (e) => void changes.push(e),
    onTyping: (e) => void typing.push(e),
  });
  return { live, sockets, clock, changes, typing };
}

const change = (seq: number): ChangeEvent => ({ type: 'change', seq, scope: 'channel:1', entity: 'message', id: seq, op: 'created', version: 1, data: { id: seq } });

describe('live connection', () => {
  it('authenticates, then subscribes with the scopes and since', () => {
    const { live, sockets } = setup(40);
    live.start();
    sockets[0].open();
    expect(sockets[0].url).toBe('ws://h/api/v1/ws');
    expect(sockets[0].sent).toEqual([
      { type: 'auth', token: 'secret' },
      { type: 'subscribe', scopes: ['channel:1', 'meeting:2'], since: 40 },
    ]);
    expect(live.state).toBe('open');
  });

  it('after a drop, reconnects with backoff and resubscribes with since = last seq seen', async () => {
    const { live, sockets, clock, changes } = setup(40);
    live.start();
    sockets[0].open();
    sockets[0].receive(change(41));
    sockets[0].receive({ type: 'caught_up', seq: 41 });
    sockets[0].receive(change(45));
    expect(changes.map((c) => c.seq)).toEqual([41, 45]);

    sockets[0].drop();
    expect(live.state).toBe('closed');
    expect(sockets).toHaveLength(1);
    expect(clock.nextDelay()).toBe(1000);
    await clock.advance(1000);
    expect(sockets).toHaveLength(2);

    // the second attempt fails too: the delay grows
    sockets[1].drop();
    expect(clock.nextDelay()).toBe(2000);
    await clock.advance(2000);
    expect(sockets).toHaveLength(3);
    sockets[2].open();
    expect(sockets[2].sent).toEqual([
      { type: 'auth', token: 'secret' },
      { type: 'subscribe', scopes: ['channel:1', 'meeting:2'], since: 45 },
    ]);
    // caught_up resets the backoff
    sockets[2].receive({ type: 'caught_up', seq: 50 });
    sockets[2].drop();
    expect(clock.nextDelay()).toBe(1000);
    await clock.advance(1000);
    sockets[3].open();
    expect(sockets[3].sent[1]).toMatchObject({ since: 50 });
  });

  it('subscribes with since=null when it has never synced, then resumes from caught_up', async () => {
    const { live, sockets, clock } = setup(null);
    live.start();
    sockets[0].open();
    expect(sockets[0].sent[1]).toEqual({ type: 'subscribe', scopes: ['channel:1', 'meeting:2'], since: null });
    sockets[0].receive({ type: 'caught_up', seq: 900 });
    sockets[0].drop();
    await clock.advance(1000);
    sockets[1].open();
    expect(sockets[1].sent[1].since).toBe(900);
  });

  it('resubscribes when the scopes change, and advance() moves the resume point', () => {
    const { live, sockets } = setup(10);
    live.start();
    sockets[0].open();
    live.advance(20);
    live.setScopes(['meeting:2', 'channel:1', 'channel:7']);
    expect(sockets[0].sent[2]).toEqual({ type: 'subscribe', scopes: ['channel:1', 'channel:7', 'meeting:2'], since: 20 });
    live.setScopes(['channel:7', 'meeting:2', 'channel:1']); // same set: nothing sent
    expect(sockets[0].sent).toHaveLength(3);
  });

  it('throttles typing per thread and passes typing events through', async () => {
    const { live, sockets, clock, typing } = setup();
    live.start();
    sockets[0].open();
    expect(live.sendTyping('channel:1', 5)).toBe(true);
    expect(live.sendTyping('channel:1', 5)).toBe(false);
    expect(live.sendTyping('channel:1', 6)).toBe(true);
    await clock.advance(3000);
    expect(live.sendTyping('channel:1', 5)).toBe(true);
    expect(sockets[0].sent.filter((m) => m.type === 'typing')).toEqual([
      { type: 'typing', scope: 'channel:1', thread_id: 5 },
      { type: 'typing', scope: 'channel:1', thread_id: 6 },
      { type: 'typing', scope: 'channel:1', thread_id: 5 },
    ]);
    sockets[0].receive({ type: 'typing', scope: 'channel:1', thread_id: 5, user_id: 3 });
    expect(typing).toHaveLength(1);
  });

  it('stop() closes and does not reconnect', async () => {
    const { live, sockets, clock } = setup();
    live.start();
    sockets[0].open();
    live.stop();
    await clock.advance(60_000);
    expect(sockets).toHaveLength(1);
  });
});
