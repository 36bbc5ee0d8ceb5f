import type { Lang } from '../api/types';
import { chooseLang, LANGS, t, useLang } from '../i18n';

export function LangSwitch() {
  const lang = useLang();
  return (
    <label class="lang-switch">
      <span class="visually-hidden">{t('lang.label')}</span>
      <span aria-hidden="true">🌐</span>
      <select data-testid="language-switch" value={lang} onChange={(e) => chooseLang((e.currentTarget as HTMLSelectElement).value as Lang)}>
        {LANGS.map((l) => (
          <option key={l} value={l} lang={l}>
            {t(`lang.${l}`)}
          </option>
        ))}
      </select>
    </label>
  );
}
