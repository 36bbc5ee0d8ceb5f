import { describe, expect, it } from 'vitest';
import { catalogs, detectLang, LANGS, matchLang, translate } from '../src/i18n';
import { en } from '../src/i18n/en';

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('i18n catalogs', () => {
  const enKeys = Object.keys(en).sort();
  for (const lang of LANGS) {
    it(`${lang} has exactly the same keys as en, none empty, same placeholders`, () => {
      const cat = catalogs[lang] as Record<string, string>;
      expect(Object.keys(cat).sort()).toEqual(enKeys);
      for (const k of enKeys) {
        expect(cat[k], `${lang}:${k}`).toBeTruthy();
        expect(placeholders(cat[k]), `${lang}:${k}`).toEqual(placeholders((en as Record<string, string>)[k]));
      }
    });
  }

  it('has a label for every mutation name and language', () => {
    for (const l of LANGS) expect(translate('en', `lang.${l}` as 'lang.ko', undefined)).toBeTruthy();
  });

  it('fills placeholders', () => {
    expect(translate('ko', 'channels.unread', { n: 3 })).toBe('읽지 않음 3');
    expect(translate('zh-Hans', 'thread.typing', { names: '王' })).toBe('王 正在输入…');
  });
});

describe('language detection', () => {
  it('maps tags', () => {
    expect(matchLang('ko-KR')).toBe('ko');
    expect(matchLang('zh-CN')).toBe('zh-Hans');
    expect(matchLang('zh-Hans-CN')).toBe('zh-Hans');
    expect(matchLang('en-GB')).toBe('en');
    expect(matchLang('fr')).toBeNull();
  });
  it('explicit choice > profile locale > navigator.languages > en', () => {
    expect(detectLang({ choice: 'en', profile: 'ko', navigatorLanguages: ['zh-CN'] })).toBe('en');
    expect(detectLang({ profile: 'zh-Hans', navigatorLanguages: ['ko-KR'] })).toBe('zh-Hans');
    expect(detectLang({ navigatorLanguages: ['fr-FR', 'ko-KR'] })).toBe('ko');
    expect(detectLang({ navigatorLanguages: ['fr-FR'] })).toBe('en');
  });
});
