/**
 * Messages in Korean, Simplified Chinese and English.
 * Language = the user's explicit choice (saved on this device) > the profile locale >
 * navigator.languages > English. The <html lang> attribute follows the current language.
 */
import type { Lang } from '../api/types';
import { observable, useObservable } from '../lib/observable';
import { en } from './en';
import { ko } from './ko';
import { zhHans } from './zh-Hans';
import type { Catalog, MessageKey } from './types';

export type { MessageKey, Catalog };
export const LANGS: Lang[] = ['ko', 'zh-Hans', 'en'];
export const catalogs: Record<Lang, Catalog> = { ko, 'zh-Hans': zhHans, en };

const CHOICE_KEY = 'gyoryu.lang';

/** Maps a BCP 47 tag to one of our languages, or null. */
export function matchLang(tag: string | null | undefined): Lang | null {
  if (!tag) return null;
  const t = tag.toLowerCase();
  if (t === 'ko' || t.startsWith('ko-')) return 'ko';
  if (t === 'zh' || t.startsWith('zh-')) return 'zh-Hans'; // zh-CN, zh-Hans, zh-SG; also zh-TW/HK as the closest we have
  if (t === 'en' || t.startsWith('en-')) return 'en';
  return null;
}

export function detectLang(opts: { choice?: string | null; profile?: string | null; navigatorLanguages?: readonly string[] }): Lang {
  const fromChoice = matchLang(opts.choice);
  if (fromChoice) return fromChoice;
  const fromProfile = matchLang(opts.profile);
  if (fromProfile) return fromProfile;
  for (const l of opts.navigatorLanguages ?? []) {
    const m = matchLang(l);
    if (m) return m;
  }
  return 'en';
}

function readChoice(): string | null {
  try {
    return typeof localStorage !== 'undefined' ? localStorage.getItem(CHOICE_KEY) : null;
  } catch {
    return null;
  }
}

function navLangs(): readonly string[] {
  return typeof navigator !== 'undefined' ? navigator.languages ?? [navigator.language] : [];
}

export const currentLang = observable<Lang>(detectLang({ choice: readChoice(), navigatorLanguages: navLangs() }));

function applyDocumentLang(l: Lang) {
  if (typeof document !== 'undefined') document.documentElement.lang = l;
}
applyDocumentLang(currentLang.get());
currentLang.subscribe(applyDocumentLang);

/** The user picked a language in the switch: remember it on this device. */
export function chooseLang(l: Lang): void {
  try {
    localStorage.setItem(CHOICE_KEY, l);
  } catch {
    /* private mode */
  }
  currentLang.set(l);
}

/** After login / profile load: profile locale wins unless the user chose explicitly here. */
export function applyProfileLocale(locale: string | null | undefined): void {
  currentLang.set(detectLang({ choice: readChoice(), profile: locale, navigatorLanguages: navLangs() }));
}

export function translate(lang: Lang, key: MessageKey, params?: Record<string, string | number>): string {
  let s: string = catalogs[lang][key] ?? en[key] ?? key;
  if (params) s = s.replace(/\{(\w+)\}/g, (m, k) => (k in params ? String(params[k]) : m));
  return s;
}

export function t(key: MessageKey, params?: Record<string, string | number>): string {
  return translate(currentLang.get(), key, params);
}

/** Re-renders the component when the language changes; returns the language. */
export function useLang(): Lang {
  return useObservable(currentLang);
}
