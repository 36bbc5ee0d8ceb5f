/**
 * The message composer: text, its language, and files. Files go up one after another as soon
 * as they are chosen (online only, with progress), each removable; the message then goes
 * through the outbox like any other, with the ids of the uploaded files.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Attachment, Lang } from '../../api/types';
import type { UploadHandle } from '../../api/upload';
import {
  addFiles,
  attachmentIds,
  markDone,
  markFailed,
  markUploading,
  MAX_ATTACHMENTS,
  rememberAttachments,
  removeFile,
  sendBlocker,
  setProgress,
  uploadAttachment,
  type ComposerFile,
} from '../../data/attachments';
import { useRuntime } from '../../data/hooks';
import { LANGS, t, useLang } from '../../i18n';
import { formatBytes } from '../../i18n/format';
import { useObservable } from '../../lib/observable';
import { api, ep, online } from '../../runtime';
import { uuid } from '../../sync/uuid';

export function Composer({ threadId, channelId }: { threadId: number; channelId: number }) {
  const uiLang = useLang();
  const rt = useRuntime();
  const isOnline = useObservable(online);
  const [body, setBody] = useState('');
  const [msgLang, setMsgLang] = useState<Lang>(uiLang);
  const [files, setFiles] = useState<ComposerFile[]>([]);
  const [announce, setAnnounce] = useState('');
  useEffect(() => setMsgLang(uiLang), [uiLang]);

  // A file removed from the composer is taken back from the server too: nobody meant to
  // keep it there. Best effort: if that fails (offline), it stays there, attached to nothing.
  const takeBack = (id: number) => void ep.deleteAttachment(id).catch(() => undefined);

  // Uploads run one at a time (slow links between the cities): a queue of promises.
  const queue = useRef<Promise<void>>(Promise.resolve());
  const handles = useRef(new Map<string, UploadHandle<Attachment>>());
  const removed = useRef(new Set<string>());
  useEffect(() => () => handles.current.forEach((h) => h.abort()), []);

  const uploadOne = (key: string, file: File) =>
    new Promise<void>((resolve) => {
      if (removed.current.has(key)) return resolve();
      setFiles((fs) => markUploading(fs, key));
      setAnnounce(t('thread.attach.progress', { name: file.name }));
      const handle = uploadAttachment(api, channelId, file, (loaded, total) => setFiles((fs) => setProgress(fs, key, loaded, total)));
      handles.current.set(key, handle);
      handle.promise
        .then(
          (a) => {
            if (removed.current.has(key)) return takeBack(a.id); // removed while it went up
            rememberAttachments([a]);
            setFiles((fs) => markDone(fs, key, a));
            setAnnounce(t('thread.attach.uploaded', { name: a.filename }));
          },
          (err: unknown) => {
            if (!removed.current.has(key)) setFiles((fs) => markFailed(fs, key, err));
          },
        )
        .finally(() => {
          handles.current.delete(key);
          resolve();
        });
    });

  const choose = (e: Event) => {
    const input = e.currentTarget as HTMLInputElement;
    const chosen = [...(input.files ?? [])].map((file) => ({ key: uuid(), name: file.name, size: file.size, file }));
    input.value = ''; // the same file may be chosen again after a failure
    if (!chosen.length) return;
    setFiles((fs) => addFiles(fs, chosen));
    for (const c of chosen) queue.current = queue.current.then(() => uploadOne(c.key, c.file));
  };

  const remove = (key: string) => {
    removed.current.add(key);
    handles.current.get(key)?.abort();
    const uploaded = files.find((f) => f.key === key)?.attachment;
    if (uploaded) takeBack(uploaded.id);
    setFiles((fs) => removeFile(fs, key));
  };

  const blocker = sendBlocker(body, files);
  const send = async (e?: Event) => {
    e?.preventDefault();
    if (!rt || blocker) return;
    const ids = attachmentIds(files);
    await rt.outbox.enqueue('message.create', ids.length ? { thread_id: threadId, body, lang: msgLang, attachment_ids: ids } : { thread_id: threadId, body, lang: msgLang });
    setBody('');
    setFiles([]);
    setAnnounce('');
  };
  const hint = blocker && blocker !== 'empty' ? t(blocker, { n: MAX_ATTACHMENTS }) : null;

  return (
    <form class="composer" onSubmit={send} data-testid="composer">
      <label for="composer-body">{t('thread.composer')}</label>
      <textarea
        id="composer-body"
        rows={3}
        value={body}
        aria-describedby="composer-hint"
        data-testid="composer-input"
        onInput={(e) => {
          setBody((e.currentTarget as HTMLTextAreaElement).value);
          rt?.live.sendTyping(`channel:${channelId}`, threadId);
        }}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) void send(e);
        }}
      />
      <div class="composer-files">
        <span class="file-pick">
          <input id="composer-files" class="visually-hidden" type="file" multiple disabled={!isOnline} aria-describedby={isOnline ? undefined : 'composer-files-offline'} onChange={choose} data-testid="attach-input" />
          <label for="composer-files" data-testid="attach-label">
            <span aria-hidden="true">📎 </span>
            {t('thread.attach.choose')}
          </label>
        </span>
        {!isOnline && (
          <p id="composer-files-offline" class="muted small" data-testid="attach-offline">
            {t('thread.attach.offline')}
          </p>
        )}
        {files.length > 0 && (
          <ul aria-label={t('thread.attach.list')} data-testid="attach-list">
            {files.map((f) => (
              <FileRow key={f.key} f={f} onRemove={() => remove(f.key)} />
            ))}
          </ul>
        )}
        <p class="visually-hidden" aria-live="polite" data-testid="attach-status">
          {announce}
        </p>
      </div>
      <div class="composer-row">
        <span id="composer-hint" class="muted small">
          {t('thread.composerHint')}
        </span>
        <label for="composer-lang" class="small">
          {t('thread.lang')}
        </label>
        <select id="composer-lang" value={msgLang} onChange={(e) => setMsgLang((e.currentTarget as HTMLSelectElement).value as Lang)} data-testid="composer-lang">
          {LANGS.map((l) => (
            <option key={l} value={l}>
              {t(`lang.${l}`)}
            </option>
          ))}
        </select>
        <button type="submit" class="primary" disabled={!!hint} aria-describedby={hint ? 'composer-send-blocked' : undefined} data-testid="send-button">
          {t('thread.send')}
        </button>
      </div>
      <p id="composer-send-blocked" class="small" role="status" data-testid="send-blocked">
        {hint ?? ''}
      </p>
    </form>
  );
}

function FileRow({ f, onRemove }: { f: ComposerFile; onRemove: () => void }) {
  const barId = `attach-progress-${f.key}`;
  return (
    <li class="composer-file" data-testid="attach-item" data-status={f.status}>
      <span>📎 {f.filename}</span> <span class="muted small">({formatBytes(f.size)})</span>{' '}
      {f.status === 'queued' && <span class="muted small">{t('thread.attach.queued')}</span>}
      {(f.status === 'uploading' || f.status === 'done') && (
        <>
          <label for={barId} class="visually-hidden">
            {t('thread.attach.progress', { name: f.filename })}
          </label>
          <progress id={barId} max={100} value={f.progress} data-testid="attach-progress">
            {f.progress}%
          </progress>{' '}
          <span class="small" data-testid="attach-percent">
            {f.status === 'done' ? '✓' : `${f.progress}%`}
          </span>
        </>
      )}
      {f.status === 'failed' && f.error && (
        <span class="error" role="alert" data-testid="attach-error">
          {t(f.error.key, { detail: f.error.detail })}
        </span>
      )}{' '}
      <button type="button" class="link" onClick={onRemove} aria-label={t('thread.attach.remove', { name: f.filename })} data-testid="attach-remove">
        ✕
      </button>
    </li>
  );
}
