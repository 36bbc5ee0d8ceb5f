/**
 * Thin fetch wrapper for /api/v1: bearer token, JSON in and out, and problem+json errors
 * turned into a typed ApiError. fetch is injected so tests (and the sync engine) can run
 * without a browser.
 */
import type { FieldError, Problem } from './types';

export const API_PREFIX = '/api/v1';

/** The server answered with an error (problem+json or not). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly detail: string;
  readonly errors: FieldError[];
  readonly problem: Partial<Problem>;
  constructor(status: number, problem: Partial<Problem>) {
    const detail = problem.detail || problem.title || `HTTP ${status}`;
    super(detail);
    this.name = 'ApiError';
    this.status = status;
    this.code = problem.code || `http_${status}`;
    this.detail = detail;
    this.errors = Array.isArray(problem.errors) ? problem.errors : [];
    this.problem = problem;
  }
  /** Worth retrying later (server overloaded / gateway / rate limit). */
  get transient(): boolean {
    return this.status === 0 || this.status === 408 || this.status === 429 || this.status >= 500;
  }
}

/** The request never got an answer (offline, DNS, connection reset, timeout). */
export class NetworkError extends Error {
  constructor(message = 'network error', readonly cause?: unknown) {
    super(message);
    this.name = 'NetworkError';
  }
}

export function isNetworkError(e: unknown): e is NetworkError {
  return e instanceof NetworkError;
}

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface ApiClientOptions {
  fetch: FetchLike;
  getToken: () => string | null;
  /** Origin + path prefix; default "/api/v1" (same origin). */
  baseUrl?: string;
  onUnauthorized?: () => void;
  /** Called with true after any answer from the server, false after a network failure. */
  onReachability?: (reachable: boolean) => void;
  /** Abort requests after this many ms (slow cross-border links); default 30 s. */
  timeoutMs?: number;
}

export interface RequestOptions {
  body?: unknown;
  query?: Record<string, string | number | boolean | null | undefined>;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export class ApiClient {
  private readonly opts: ApiClientOptions;
  constructor(opts: ApiClientOptions) {
    this.opts = opts;
  }

  get baseUrl(): string {
    return this.opts.baseUrl ?? API_PREFIX;
  }

  url(path: string, query?: RequestOptions['query']): string {
    let u = this.baseUrl + path;
    if (query) {
      const qs = Object.entries(query)
        .filter(([, v]) => v !== undefined && v !== null && v !== '')
        .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
        .join('&');
      if (qs) u += (u.includes('?') ? '&' : '?') + qs;
    }
    return u;
  }

  token(): string | null {
    return this.opts.getToken();
  }

  async request<T>(method: string, path: string, o: RequestOptions = {}): Promise<T> {
    const res = await this.raw(method, path, o);
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    if (!text) return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      return text as unknown as T;
    }
  }

  /** Sends the request and throws ApiError / NetworkError; returns the ok Response. */
  async raw(method: string, path: string, o: RequestOptions = {}): Promise<Response> {
    const headers: Record<string, string> = { Accept: 'application/json', ...o.headers };
    const token = this.opts.getToken();
    if (token) headers.Authorization = `Bearer ${token}`;
    let body: BodyInit | undefined;
    if (o.body instanceof FormData) {
      body = o.body;
    } else if (o.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(o.body);
    }
    const timeout = typeof AbortController !== 'undefined' ? new AbortController() : null;
    const timer = timeout ? setTimeout(() => timeout.abort(), this.opts.timeoutMs ?? 30_000) : null;
    if (o.signal && timeout) o.signal.addEventListener('abort', () => timeout.abort());
    let res: Response;
    try {
      res = await this.opts.fetch(this.url(path, o.query), {
        method,
        headers,
        body,
        signal: timeout?.signal ?? o.signal,
        credentials: 'same-origin',
      });
    } catch (e) {
      this.opts.onReachability?.(false);
      throw new NetworkError(e instanceof Error ? e.message : String(e), e);
    } finally {
      if (timer) clearTimeout(timer);
    }
    this.opts.onReachability?.(true);
    if (!res.ok) {
      const problem = await readProblem(res);
      if (res.status === 401) this.opts.onUnauthorized?.();
      throw new ApiError(res.status, problem);
    }
    return res;
  }

  get<T>(path: string, query?: RequestOptions['query'], o: RequestOptions = {}) {
    return this.request<T>('GET', path, { ...o, query });
  }
  post<T>(path: string, body?: unknown, o: RequestOptions = {}) {
    return this.request<T>('POST', path, { ...o, body });
  }
  put<T>(path: string, body?: unknown, o: RequestOptions = {}) {
    return this.request<T>('PUT', path, { ...o, body });
  }
  patch<T>(path: string, body?: unknown, o: RequestOptions = {}) {
    return this.request<T>('PATCH', path, { ...o, body });
  }
  delete<T>(path: string, o: RequestOptions = {}) {
    return this.request<T>('DELETE', path, o);
  }
}

async function readProblem(res: Response): Promise<Partial<Problem>> {
  let text = '';
  try {
    text = await res.text();
  } catch {
    /* body unreadable */
  }
  const ct = res.headers.get('content-type') || '';
  if (text && (ct.includes('json') || text.startsWith('{'))) {
    try {
      const parsed = JSON.parse(text);
      if (parsed && typeof parsed === 'object') return parsed as Partial<Problem>;
    } catch {
      /* not JSON after all */
    }
  }
  return { status: res.status, title: res.statusText, detail: text.slice(0, 200) || res.statusText };
}
