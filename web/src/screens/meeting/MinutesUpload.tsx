import { useState } from 'preact/hooks';
import { ApiError, NetworkError } from '../../api/client';
import type { MinutesUpload } from '../../api/types';
import { uploadWithProgress } from '../../api/upload';
import type { ViewAgendaItem } from '../../data/overlay';
import { t } from '../../i18n';
import { useObservable } from '../../lib/observable';
import { api, ep, online, type Runtime } from '../../runtime';
import type { Row } from '../../sync/entities';
import { val } from './common';

export function Upload({ rt, meetingId, agenda }: { rt: Runtime; meetingId: number; agenda: ViewAgendaItem[] }) {
  const [file, setFile] = useState<File | null>(null);
  const [progress, setProgress] = useState<number | null>(null);
  const [result, setResult] = useState<MinutesUpload | null>(null);
  const [mapping, setMapping] = useState<(number | null)[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [applied, setApplied] = useState(false);
  const [busy, setBusy] = useState(false);
  const isOnline = useObservable(online);
  const fail = (err: unknown) =>
    setError(err instanceof NetworkError ? t('error.offline') : t('error.generic', { detail: err instanceof ApiError ? err.detail : String(err) }));

  const upload = async (e: Event) => {
    e.preventDefault();
    if (!file) return;
    setError(null);
    setApplied(false);
    setResult(null);
    setProgress(0);
    try {
      const res = await uploadWithProgress<MinutesUpload>({
        url: api.url(`/meetings/${meetingId}/minutes/upload`),
        file,
        token: api.token(),
        onProgress: (loaded, total) => setProgress(Math.round((loaded / total) * 100)),
      }).promise;
      setProgress(100);
      setResult(res);
      setMapping(res.sections.map((s) => s.agenda_item_id ?? null));
    } catch (err) {
      setProgress(null);
      fail(err);
    }
  };

  // The server writes the sections (one minutes version, approvals handled there).
  const apply = async () => {
    if (!result) return;
    setBusy(true);
    setError(null);
    try {
      const minutes = await ep.confirmUpload(meetingId, result.id, {
        assignments: result.sections.map((s, i) => ({ section_index: s.index, agenda_item_id: mapping[i] ?? null })),
      });
      await rt.store.putMinutes(minutes as unknown as Row);
      setApplied(true);
    } catch (err) {
      fail(err);
    } finally {
      setBusy(false);
    }
  };

  const synced = agenda.filter((a) => a.id > 0);
  return (
    <section aria-labelledby="upload-title" class="card">
      <h2 id="upload-title">{t('meeting.upload')}</h2>
      <form class="inline-form" onSubmit={upload}>
        <div class="field grow">
          <label for="minutes-file">{t('meeting.uploadLabel')}</label>
          <input
            id="minutes-file"
            type="file"
            accept=".docx,.pdf,.hwpx,.md,.markdown,.txt,application/vnd.openxmlformats-officedocument.wordprocessingml.document,application/pdf,text/markdown"
            data-testid="upload-input"
            onChange={(e) => setFile((e.currentTarget as HTMLInputElement).files?.[0] ?? null)}
          />
        </div>
        <button type="submit" class="primary" disabled={!file || !isOnline} data-testid="upload-button">
          {t('meeting.upload')}
        </button>
      </form>
      {progress !== null && (
        <div class="field">
          <label for="upload-progress">{t('meeting.uploadProgress')}</label>
          <progress id="upload-progress" max={100} value={progress} data-testid="upload-progress">
            {progress}%
          </progress>{' '}
          <span class="small" data-testid="upload-percent">{progress}%</span>
        </div>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {result && (
        <div data-testid="mapping-preview">
          <p role="status">{t('meeting.uploaded', { n: result.sections.length })}</p>
          {result.warnings.length > 0 && (
            <ul class="small warn">
              {result.warnings.map((w, i) => (
                <li key={i}>{w}</li>
              ))}
            </ul>
          )}
          <table class="mapping">
            <caption>{t('meeting.mapping')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('meeting.mappingSection')}</th>
                <th scope="col">{t('meeting.mappingItem')}</th>
                <th scope="col">{t('meeting.mappingMethod')}</th>
              </tr>
            </thead>
            <tbody>
              {result.sections.map((s, i) => (
                <tr key={s.index} data-testid="mapping-row">
                  <th scope="row">
                    {s.heading || `#${i + 1}`}
                    <div class="muted small">{s.text.slice(0, 140)}</div>
                  </th>
                  <td>
                    <label for={`map-${i}`} class="visually-hidden">
                      {t('meeting.mappingItem')}: {s.heading ?? `#${i + 1}`}
                    </label>
                    <select
                      id={`map-${i}`}
                      data-testid="mapping-select"
                      value={mapping[i] === null || mapping[i] === undefined ? '' : String(mapping[i])}
                      onChange={(e) => {
                        const v = val(e);
                        setMapping(mapping.map((m, j) => (j === i ? (v ? Number(v) : null) : m)));
                      }}
                    >
                      <option value="">{t('meeting.mappingNone')}</option>
                      {synced.map((a) => (
                        <option key={a.id} value={String(a.id)}>
                          {a.title}
                        </option>
                      ))}
                    </select>
                  </td>
                  <td class="small" data-testid="mapping-method">
                    {s.method}
                    {s.score > 0 && s.score < 1 ? ` (${Math.round(s.score * 100)}%)` : ''}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <button type="button" class="primary" disabled={busy || applied || !isOnline} onClick={() => void apply()} data-testid="apply-mapping">
            {t('meeting.applyMapping')}
          </button>
          {applied && <p role="status" data-testid="mapping-applied">{t('meeting.mappingApplied')}</p>}
        </div>
      )}
    </section>
  );
}
