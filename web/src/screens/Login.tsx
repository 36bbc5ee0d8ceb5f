import { useState } from 'preact/hooks';
import { ApiError, NetworkError } from '../api/client';
import { LangSwitch } from '../components/LangSwitch';
import { applyProfileLocale, t } from '../i18n';
import { authExpired, ep, resumeAfterLogin } from '../runtime';
import { setSession } from '../session';

export function Login() {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const res = await ep.login(username.trim(), password);
      applyProfileLocale(res.user.locale);
      setSession({ token: res.token, user: res.user });
      authExpired.set(false);
      resumeAfterLogin(res.user.id);
    } catch (err) {
      if (err instanceof NetworkError) setError(t('login.offline'));
      else if (err instanceof ApiError) setError(t('login.failed', { detail: err.detail }));
      else setError(String(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main id="main" class="login">
      <div class="login-lang">
        <LangSwitch />
      </div>
      <form class="card" onSubmit={submit} data-testid="login-form">
        <h1>
          <span lang="zh-Hans">交流</span> · <span lang="ko">교류</span> · Gyoryu
        </h1>
        <h2>{t('login.title')}</h2>
        <div class="field">
          <label for="login-username">{t('login.username')}</label>
          <input id="login-username" name="username" autoComplete="username" required value={username} onInput={(e) => setUsername((e.currentTarget as HTMLInputElement).value)} data-testid="login-username" />
        </div>
        <div class="field">
          <label for="login-password">{t('login.password')}</label>
          <input id="login-password" name="password" type="password" autoComplete="current-password" required value={password} onInput={(e) => setPassword((e.currentTarget as HTMLInputElement).value)} data-testid="login-password" />
        </div>
        {error && (
          <p class="error" role="alert" data-testid="login-error">
            {error}
          </p>
        )}
        <button type="submit" class="primary" disabled={busy} data-testid="login-submit">
          {t('login.submit')}
        </button>
      </form>
    </main>
  );
}
