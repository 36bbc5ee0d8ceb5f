/**
 * The signed-in session: token and user, kept in localStorage so the app opens offline
 * (a secretary's laptop with no network still shows the cached meetings and the outbox).
 */
import type { User } from './api/types';
import { observable } from './lib/observable';

export interface Session {
  token: string;
  user: User;
}

const KEY = 'gyoryu.session';

function load(): Session | null {
  try {
    const raw = localStorage.getItem(KEY);
    const s = raw ? (JSON.parse(raw) as Session) : null;
    return s && s.token && s.user ? s : null;
  } catch {
    return null;
  }
}

export const session = observable<Session | null>(typeof localStorage !== 'undefined' ? load() : null);

export function setSession(s: Session | null): void {
  try {
    if (s) localStorage.setItem(KEY, JSON.stringify(s));
    else localStorage.removeItem(KEY);
  } catch {
    /* storage unavailable: the session lasts for this page only */
  }
  session.set(s);
}

export function token(): string | null {
  return session.get()?.token ?? null;
}

export function me(): User | null {
  return session.get()?.user ?? null;
}
