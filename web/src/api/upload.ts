/**
 * Multipart upload through XMLHttpRequest, because fetch still has no upload progress.
 * The XHR constructor is injectable for tests.
 */
import { ApiError, NetworkError } from './client';
import type { Problem } from './types';

export interface UploadOptions {
  url: string;
  file: Blob;
  filename?: string;
  field?: string;
  token: string | null;
  onProgress?: (loaded: number, total: number) => void;
  XHR?: typeof XMLHttpRequest;
}

export interface UploadHandle<T> {
  promise: Promise<T>;
  abort: () => void;
}

export function uploadWithProgress<T>(o: UploadOptions): UploadHandle<T> {
  const XHR = o.XHR ?? XMLHttpRequest;
  const xhr = new XHR();
  const promise = new Promise<T>((resolve, reject) => {
    xhr.open('POST', o.url);
    xhr.setRequestHeader('Accept', 'application/json');
    if (o.token) xhr.setRequestHeader('Authorization', `Bearer ${o.token}`);
    xhr.upload.onprogress = (ev) => {
      if (ev.lengthComputable) o.onProgress?.(ev.loaded, ev.total);
    };
    xhr.onerror = () => reject(new NetworkError('upload failed'));
    xhr.onabort = () => reject(new NetworkError('upload aborted'));
    xhr.ontimeout = () => reject(new NetworkError('upload timed out'));
    xhr.onload = () => {
      let body: unknown = null;
      try {
        body = xhr.responseText ? JSON.parse(xhr.responseText) : null;
      } catch {
        body = { detail: xhr.responseText };
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(body as T);
      else reject(new ApiError(xhr.status, (body ?? {}) as Partial<Problem>));
    };
    const form = new FormData();
    form.append(o.field ?? 'file', o.file, o.filename ?? (o.file instanceof File ? o.file.name : 'upload'));
    xhr.send(form);
  });
  return { promise, abort: () => xhr.abort() };
}
