/**
 * A tiny history router: the server answers index.html for every client route, and the
 * service worker serves the cached shell for them offline.
 */
import { h, type ComponentChildren, type JSX } from 'preact';
import { observable, useObservable } from './lib/observable';

const here = () => (typeof location !== 'undefined' ? location.pathname + location.search : '/');
export const currentPath = observable(here());

if (typeof window !== 'undefined') {
  window.addEventListener('popstate', () => currentPath.set(here()));
}

export function navigate(to: string, opts: { replace?: boolean } = {}): void {
  if (to === here()) return;
  if (opts.replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  currentPath.set(here());
  window.scrollTo(0, 0);
}

export function usePath(): string {
  return useObservable(currentPath);
}

/** Matches "/threads/:id" against a path; numeric params come back as strings. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const [p] = path.split('?');
  const a = pattern.split('/').filter(Boolean);
  const b = p.split('/').filter(Boolean);
  if (a.length !== b.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < a.length; i++) {
    if (a[i].startsWith(':')) params[a[i].slice(1)] = decodeURIComponent(b[i]);
    else if (a[i] !== b[i]) return null;
  }
  return params;
}

export function queryParam(path: string, name: string): string | null {
  const q = path.split('?')[1];
  return q ? new URLSearchParams(q).get(name) : null;
}

type LinkProps = JSX.HTMLAttributes<HTMLAnchorElement> & { href: string; children?: ComponentChildren };

/** An ordinary <a href> (works with middle-click, screen readers) that navigates in-app. */
export function Link(props: LinkProps) {
  const { href, onClick, ...rest } = props;
  return h('a', {
    ...rest,
    href,
    onClick: (e: JSX.TargetedMouseEvent<HTMLAnchorElement>) => {
      if (onClick) (onClick as (e: JSX.TargetedMouseEvent<HTMLAnchorElement>) => void)(e);
      if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
      e.preventDefault();
      navigate(href);
    },
  });
}
