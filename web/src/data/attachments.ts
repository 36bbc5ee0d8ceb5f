/**
 * Files attached in the composer (tested in tests/thread-attachments.test.ts). Each file is
 * uploaded on its own to POST /channels/{id}/attachments (online only, with progress), then
 * the message goes through the outbox with the ids of those that arrived: the server binds
 * them to the message when it is applied, so a message written offline after the uploads
 * still carries them.
 */
import { ApiError, NetworkError, type ApiClient } from '../api/client';
import type { Attachment } from '../api/types';
import { uploadWithProgress, type UploadHandle } from '../api/upload';
import type { MessageKey } from '../i18n';

/** The server takes at most this many attachment_ids per message (MessageCreate). */
export const MAX_ATTACHMENTS = 20;

export type UploadStatus = 'queued' | 'uploading' | 'done' | 'failed';

export interface ComposerFile {
  /** Local key (files may share a name). */
  key: string;
  filename: string;
  size: number;
  status: UploadStatus;
  /** 0..100 while uploading; 100 when done. */
  progress: number;
  attachment?: Attachment;
  /** Why it failed, as a message key and the server's detail. */
  error?: { key: MessageKey; detail: string };
}

export function addFiles(list: ComposerFile[], files: { key: string; name: string; size: number }[]): ComposerFile[] {
  return [...list, ...files.map((f) => ({ key: f.key, filename: f.name, size: f.size, status: 'queued' as const, progress: 0 }))];
}

function update(list: ComposerFile[], key: string, change: Partial<ComposerFile>): ComposerFile[] {
  return list.map((f) => (f.key === key ? { ...f, ...change } : f));
}

export function markUploading(list: ComposerFile[], key: string): ComposerFile[] {
  return update(list, key, { status: 'uploading', progress: 0 });
}

/** Progress of one file; never goes back, and stays under 100 until the server answered. */
export function setProgress(list: ComposerFile[], key: string, loaded: number, total: number): ComposerFile[] {
  const f = list.find((x) => x.key === key);
  if (!f || f.status !== 'uploading' || total <= 0) return list;
  const p = Math.min(99, Math.floor((loaded / total) * 100));
  return p > f.progress ? update(list, key, { progress: p }) : list;
}

export function markDone(list: ComposerFile[], key: string, attachment: Attachment): ComposerFile[] {
  return update(list, key, { status: 'done', progress: 100, attachment, filename: attachment.filename, size: attachment.size });
}

export function markFailed(list: ComposerFile[], key: string, error: unknown): ComposerFile[] {
  return update(list, key, { status: 'failed', error: uploadError(error) });
}

export function removeFile(list: ComposerFile[], key: string): ComposerFile[] {
  return list.filter((f) => f.key !== key);
}

/** The ids to send with the message, in the order the files were chosen. */
export function attachmentIds(list: ComposerFile[]): number[] {
  return list.flatMap((f) => (f.status === 'done' && f.attachment ? [f.attachment.id] : []));
}

/**
 * Why the message cannot be sent yet (null: it can). Files still going up would be left out,
 * and a file that failed was meant to go with it: the user removes it (or chooses it again)
 * first, so nothing leaves without what they attached. The server needs some text with the
 * files; "empty" (no text, no files) is simply nothing to send.
 */
export function sendBlocker(body: string, list: ComposerFile[]): MessageKey | 'empty' | null {
  if (list.some((f) => f.status === 'queued' || f.status === 'uploading')) return 'thread.attach.waitUploads';
  if (list.some((f) => f.status === 'failed')) return 'thread.attach.removeFailed';
  if (list.length > MAX_ATTACHMENTS) return 'thread.attach.tooMany';
  if (!body.trim()) return list.length ? 'thread.attach.needText' : 'empty';
  return null;
}

/** The failure of one upload: too large (413), refused type (415), no connection, or other. */
export function uploadError(e: unknown): { key: MessageKey; detail: string } {
  if (e instanceof NetworkError) return { key: 'thread.attach.network', detail: '' };
  if (e instanceof ApiError) {
    if (e.status === 413) return { key: 'thread.attach.tooLarge', detail: e.detail };
    if (e.status === 415) return { key: 'thread.attach.badType', detail: e.detail };
    return { key: 'thread.attach.failed', detail: e.detail };
  }
  return { key: 'thread.attach.failed', detail: e instanceof Error ? e.message : String(e) };
}

/** Starts one upload; `XHR` is injectable for tests. */
export function uploadAttachment(api: ApiClient, channelId: number, file: Blob, onProgress: (loaded: number, total: number) => void, XHR?: typeof XMLHttpRequest): UploadHandle<Attachment> {
  return uploadWithProgress<Attachment>({ url: api.url(`/channels/${channelId}/attachments`), file, token: api.token(), onProgress, XHR });
}

// Uploaded files this page knows, so a message still waiting in the outbox shows its files by
// name. Only for this page's life: after a reload such a message shows them by number until
// the server has it.
const known = new Map<number, Attachment>();

export function rememberAttachments(list: Attachment[]): void {
  for (const a of list) known.set(a.id, a);
}

export function knownAttachment(id: number): Attachment | undefined {
  return known.get(id);
}
