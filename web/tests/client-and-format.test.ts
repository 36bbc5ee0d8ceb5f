import { describe, expect, it } from 'vitest';
import { ApiError, ApiClient, NetworkError } from '../src/api/client';
import { formatDateTime, formatRange, zoneOffsetMinutes, zonesDiffer, formatDate } from '../src/i18n/format';
import { fakeFetch, json } from './helpers';

describe('api client', () => {
  it('sends the bearer token and JSON, and parses JSON', async () => {
    const { fetch, calls } = fakeFetch(() => ({ ok: 1 }));
    const api = new ApiClient({ fetch, getToken: () => 'abc' });
    expect(await api.post('/threads/1/messages', { body: 'hi' })).toEqual({ ok: 1 });
    expect(calls[0].url).toBe('/api/v1/threads/1/messages');
    expect(calls[0].headers.Authorization).toBe('Bearer abc');
    expect(calls[0].headers['Content-Type']).toBe('application/json');
    expect(calls[0].body).toEqual({ body: 'hi' });
  });

  it('turns problem+json into ApiError with code, detail, status, errors', async () => {
    const problem = { type: 'https://gyoryu.example/problems/invalid_input', title: 'Unprocessable Entity', status: 422, code: 'invalid_input', detail: 'The request has invalid fields.', errors: [{ field: 'body', message: 'required', type: 'missing' }] };
    const { fetch } = fakeFetch(() => json(problem, 422, 'application/problem+json'));
    const api = new ApiClient({ fetch, getToken: () => null });
    const err = (await api.get('/x').catch((e: unknown) => e)) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 422, code: 'invalid_input', detail: 'The request has invalid fields.' });
    expect(err.errors).toEqual(problem.errors);
  });

  it('turns a rejected fetch into NetworkError and reports reachability', async () => {
    const seen: boolean[] = [];
    const api = new ApiClient({ fetch: () => Promise.reject(new TypeError('Failed to fetch')), getToken: () => null, onReachability: (ok) => seen.push(ok) });
    await expect(api.get('/x')).rejects.toBeInstanceOf(NetworkError);
    expect(seen).toEqual([false]);
  });

  it('builds query strings, skipping empty values', () => {
    const api = new ApiClient({ fetch: async () => new Response(''), getToken: () => null });
    expect(api.url('/search', { q: '서울 北京', kind: 'all', cursor: null })).toBe('/api/v1/search?q=%EC%84%9C%EC%9A%B8%20%E5%8C%97%E4%BA%AC&kind=all');
  });
});

describe('time formatting', () => {
  const at = '2025-05-20T01:00:00Z';
  it('formats in explicit zones (Seoul UTC+9, Beijing UTC+8)', () => {
    expect(formatDateTime(at, 'en', 'Asia/Seoul')).toContain('10:00');
    expect(formatDateTime(at, 'en', 'Asia/Shanghai')).toContain('09:00');
    expect(zoneOffsetMinutes('Asia/Seoul', new Date(at))).toBe(540);
    expect(zoneOffsetMinutes('Asia/Shanghai', new Date(at))).toBe(480);
    expect(zonesDiffer('Asia/Seoul', 'Asia/Shanghai', new Date(at))).toBe(true);
    expect(zonesDiffer('Asia/Seoul', 'Asia/Tokyo', new Date(at))).toBe(false);
  });
  it('shows one date for a same-day range', () => {
    const r = formatRange(at, '2025-05-20T03:00:00Z', 'en', 'Asia/Seoul');
    expect(r).toMatch(/10:00.*–\s*12:00$/);
  });
  it('formats calendar dates without zone shifts', () => {
    expect(formatDate('2025-06-01', 'en')).toContain('2025');
    expect(formatDate('2025-06-01', 'en')).toContain('1');
  });
});
