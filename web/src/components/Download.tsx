/**
 * A download link for an authenticated URL: a plain <a href> (works if the server also accepts
 * the session cookie), upgraded on click to a fetch with the bearer token and a blob download.
 */
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { api } from '../runtime';
import { t } from '../i18n';

export function DownloadLink(props: { href: string; filename: string; children: ComponentChildren; testid?: string }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const onClick = async (e: MouseEvent) => {
    if (e.ctrlKey || e.metaKey || e.shiftKey) return;
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const path = props.href.startsWith(api.baseUrl) ? props.href.slice(api.baseUrl.length) : props.href;
      const res = props.href.startsWith(api.baseUrl)
        ? await api.raw('GET', path, { headers: { Accept: '*/*' } })
        : await fetch(props.href, { credentials: 'same-origin' });
      const blob = await res.blob();
      const url = URL.createObjectURL(blob);
      const a = document.createElement('a');
      a.href = url;
      a.download = filenameFrom(res.headers.get('content-disposition')) || props.filename;
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <span>
      <a href={props.href} download={props.filename} onClick={onClick} aria-busy={busy} data-testid={props.testid}>
        {props.children}
      </a>
      {error && (
        <span class="error" role="alert">
          {' '}
          {t('error.generic', { detail: error })}
        </span>
      )}
    </span>
  );
}

function filenameFrom(cd: string | null): string | null {
  if (!cd) return null;
  const star = /filename\*=UTF-8''([^;]+)/i.exec(cd);
  if (star) return decodeURIComponent(star[1]);
  const plain = /filename="?([^";]+)"?/i.exec(cd);
  return plain ? plain[1] : null;
}
