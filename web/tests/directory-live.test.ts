import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ChangeEvent } from '../src/api/wire';
import { Coalescer, LIVE_REREAD_MS, LOADED_PARTS, partsFor, PLATFORM_SCOPE, type DirectoryPart } from '../src/data/directoryLive';
import { loadDirectoryParts, type DirectoryData } from '../src/screens/directory/data';
import { FakeClock, settle } from './helpers';

const change = (entity: string, scope = PLATFORM_SCOPE): ChangeEvent => ({
  type: 'change', seq: 1, scope, entity, id: 1, op: 'created', version: 1, data: {},
});

describe('partsFor: which list a change makes stale', () => {
  it('maps each directory entity to the list showing it', () => {
    expect(partsFor(change('region'))).toEqual(['regions']);
    expect(partsFor(change('city'))).toEqual(['cities']);
    expect(partsFor(change('partnership'))).toEqual(['partnerships']);
    expect(partsFor(change('sector'))).toEqual(['sectors']);
    expect(partsFor(change('counterpart'))).toEqual(['counterparts']);
    expect(partsFor(change('glossary_term'))).toEqual(['glossary']);
    expect(partsFor(change('user'))).toEqual(['users']);
  });

  it('re-reads nothing for what no card shows, or an unknown entity', () => {
    expect(partsFor(change('organization_city'))).toEqual([]);
    expect(partsFor(change('organization'))).toEqual([]);
    expect(partsFor(change('access_token'))).toEqual([]);
  });

  it('only listens to the platform scope', () => {
    expect(partsFor(change('city', 'channel:3'))).toEqual([]);
    expect(partsFor(change('user', 'user:7'))).toEqual([]);
  });

  it('the one directory load covers every list but the glossary', () => {
    expect([...LOADED_PARTS].sort()).toEqual(['cities', 'counterparts', 'partnerships', 'regions', 'sectors', 'users']);
  });
});

describe('Coalescer', () => {
  const setup = (run?: (keys: Set<DirectoryPart>) => Promise<void>) => {
    const clock = new FakeClock();
    const runs: DirectoryPart[][] = [];
    const c = new Coalescer<DirectoryPart>(
      async (keys) => {
        runs.push([...keys].sort());
        await run?.(keys);
      },
      LIVE_REREAD_MS,
      clock,
    );
    return { clock, runs, c };
  };

  it('a burst (a CSV import of thousands of rows) is one read per list', async () => {
    const { clock, runs, c } = setup();
    for (let i = 0; i < 5000; i++) c.add(['cities']);
    c.add(['regions']);
    await clock.advance(LIVE_REREAD_MS - 1);
    expect(runs).toEqual([]);
    await clock.advance(1);
    expect(runs).toEqual([['cities', 'regions']]);
    await clock.advance(10_000);
    expect(runs).toHaveLength(1);
  });

  it('a steady stream costs at most one read per window', async () => {
    const { clock, runs, c } = setup();
    for (let t = 0; t < 3000; t += 50) {
      c.add(['sectors']);
      await clock.advance(50);
    }
    await clock.advance(LIVE_REREAD_MS);
    // 3 s of changes every 50 ms: one read per 300 ms window, not one per change.
    expect(runs.length).toBeGreaterThanOrEqual(9);
    expect(runs.length).toBeLessThanOrEqual(11);
    expect(runs.every((r) => r.join() === 'sectors')).toBe(true);
  });

  it('never overlaps two reads: changes during a read wait for it, then run together', async () => {
    let finish: () => void = () => undefined;
    const { clock, runs, c } = setup(() => new Promise<void>((r) => (finish = r)));
    c.add(['cities']);
    await clock.advance(LIVE_REREAD_MS);
    expect(runs).toEqual([['cities']]);
    c.add(['sectors']);
    c.add(['cities']);
    await clock.advance(LIVE_REREAD_MS * 5);
    expect(runs).toHaveLength(1); // the first read has not answered yet
    finish();
    await settle();
    expect(clock.nextDelay()).toBe(LIVE_REREAD_MS);
    await clock.advance(LIVE_REREAD_MS);
    expect(runs).toEqual([['cities'], ['cities', 'sectors']]);
  });

  it('a failed read does not stop the next ones', async () => {
    let fail = true;
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const { clock, runs, c } = setup(async () => {
      if (fail) throw new Error('503');
    });
    c.add(['partnerships']);
    await clock.advance(LIVE_REREAD_MS);
    fail = false;
    c.add(['partnerships']);
    await clock.advance(LIVE_REREAD_MS);
    expect(runs).toEqual([['partnerships'], ['partnerships']]);
    expect(warn).toHaveBeenCalledTimes(1);
    warn.mockRestore();
  });

  it('stop() drops what was gathered and ignores later changes (the screen closed)', async () => {
    const { clock, runs, c } = setup();
    c.add(['glossary']);
    c.stop();
    c.add(['glossary']);
    await clock.advance(LIVE_REREAD_MS * 3);
    expect(runs).toEqual([]);
    expect(clock.timers).toEqual([]);
  });
});

describe('loadDirectoryParts', () => {
  afterEach(() => vi.unstubAllGlobals());

  const base = (): DirectoryData => ({
    regions: [{ id: 1 }] as never,
    cities: [{ id: 1, name: '서울' }] as never,
    partnerships: [],
    sectors: [{ id: 1, name: '경제' }] as never,
    counterparts: [],
    users: [],
  });

  it('reads only the lists asked for and lays them on the data shown when they come', async () => {
    const paths: string[] = [];
    vi.stubGlobal('fetch', async (input: string) => {
      const url = new URL(input, 'http://x');
      paths.push(url.pathname);
      const items = url.pathname.endsWith('/cities') ? [{ id: 1, name: '서울' }, { id: 2, name: '北京' }] : [];
      return new Response(JSON.stringify({ items, next_cursor: null }), { headers: { 'content-type': 'application/json' } });
    });
    let shown = base();
    const read = loadDirectoryParts(() => shown, new Set<DirectoryPart>(['cities', 'glossary']));
    // A whole re-read (after an own write) landed while the cities were on their way.
    shown = { ...shown, sectors: [{ id: 1, name: '경제통상' }] as never };
    const next = await read;
    expect(paths).toEqual(['/api/v1/cities']);
    expect(next.cities.map((c) => c.id)).toEqual([1, 2]);
    expect(next.sectors[0].name).toBe('경제통상');
    expect(next.regions).toBe(shown.regions);
  });
});
