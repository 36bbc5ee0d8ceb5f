import { describe, expect, it } from 'vitest';
import { ApiError, ApiClient, NetworkError } from '../src/api/client';
import type { Attachment, Message, User } from '../src/api/types';
import {
  addFiles,
  attachmentIds,
  knownAttachment,
  markDone,
  markFailed,
  markUploading,
  MAX_ATTACHMENTS,
  rememberAttachments,
  removeFile,
  sendBlocker,
  setProgress,
  uploadAttachment,
  uploadError,
  type ComposerFile,
} from '../src/data/attachments';
import { overlayMessages } from '../src/data/overlay';
import type { OutboxEntry } from '../src/sync/store';
import { restCall } from '../src/sync/rest';

const att = (id: number, filename = `f${id}.pdf`): Attachment => ({ id, filename, size: 1000 + id, content_type: 'application/pdf', url: `/api/v1/attachments/${id}` });

/** Two files chosen: a.pdf and b.hwpx. */
function chosen(): ComposerFile[] {
  return addFiles([], [
    { key: 'a', name: 'a.pdf', size: 2048 },
    { key: 'b', name: 'b.hwpx', size: 4096 },
  ]);
}

describe('composer files', () => {
  it('goes queued -> uploading (progress) -> done, and sends only the ids of uploaded files in order', () => {
    let list = chosen();
    expect(list.map((f) => f.status)).toEqual(['queued', 'queued']);
    list = markUploading(list, 'a');
    list = setProgress(list, 'a', 512, 2048);
    expect(list[0].progress).toBe(25);
    // Progress never goes back, and stays under 100 until the server has answered.
    expect(setProgress(list, 'a', 100, 2048)).toBe(list);
    expect(setProgress(list, 'a', 2048, 2048)[0].progress).toBe(99);
    // No progress for a file not uploading (queued, or removed meanwhile).
    expect(setProgress(list, 'b', 10, 20)).toBe(list);
    expect(setProgress(list, 'gone', 10, 20)).toBe(list);
    list = markDone(list, 'a', att(41, 'a.pdf'));
    expect(list[0]).toMatchObject({ status: 'done', progress: 100 });
    expect(attachmentIds(list)).toEqual([41]);
    list = markDone(markUploading(list, 'b'), 'b', att(42, 'b.hwpx'));
    expect(attachmentIds(list)).toEqual([41, 42]);
    expect(attachmentIds(removeFile(list, 'a'))).toEqual([42]);
  });

  it('does not send while files are going up, or after one failed, or without text', () => {
    let list = chosen();
    expect(sendBlocker('hello', [])).toBeNull();
    expect(sendBlocker('  ', [])).toBe('empty');
    expect(sendBlocker('hello', list)).toBe('thread.attach.waitUploads');
    list = markDone(markUploading(list, 'a'), 'a', att(1));
    list = markFailed(markUploading(list, 'b'), 'b', new ApiError(413, { code: 'file_too_large', detail: 'Files may have at most 100 bytes.' }));
    expect(list[1].error).toEqual({ key: 'thread.attach.tooLarge', detail: 'Files may have at most 100 bytes.' });
    expect(sendBlocker('hello', list)).toBe('thread.attach.removeFailed');
    list = removeFile(list, 'b');
    expect(sendBlocker('', list)).toBe('thread.attach.needText');
    expect(sendBlocker('hello', list)).toBeNull();
    const many = addFiles([], Array.from({ length: MAX_ATTACHMENTS + 1 }, (_, i) => ({ key: `k${i}`, name: `${i}.txt`, size: 1 }))).map((f, i) => markDone([f], f.key, att(i))[0]);
    expect(sendBlocker('hello', many)).toBe('thread.attach.tooMany');
  });

  it("names the failure: too large, refused type, no connection, or the server's detail", () => {
    expect(uploadError(new ApiError(413, { code: 'payload_too_large', detail: 'The request body is larger than 100 bytes.' }))).toEqual({ key: 'thread.attach.tooLarge', detail: 'The request body is larger than 100 bytes.' });
    expect(uploadError(new ApiError(415, { code: 'unsupported_type', detail: 'No executables.' }))).toEqual({ key: 'thread.attach.badType', detail: 'No executables.' });
    expect(uploadError(new ApiError(422, { code: 'empty_file', detail: 'The file is empty.' }))).toEqual({ key: 'thread.attach.failed', detail: 'The file is empty.' });
    expect(uploadError(new NetworkError('upload failed'))).toEqual({ key: 'thread.attach.network', detail: '' });
  });
});

/** A scriptable XMLHttpRequest: the test drives progress and the answer. */
class FakeXHR {
  static last: FakeXHR | null = null;
  method = '';
  url = '';
  headers: Record<string, string> = {};
  body: FormData | null = null;
  status = 0;
  responseText = '';
  upload: { onprogress: ((ev: { lengthComputable: boolean; loaded: number; total: number }) => void) | null } = { onprogress: null };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  onabort: (() => void) | null = null;
  ontimeout: (() => void) | null = null;
  constructor() {
    FakeXHR.last = this;
  }
  open(method: string, url: string) {
    this.method = method;
    this.url = url;
  }
  setRequestHeader(k: string, v: string) {
    this.headers[k] = v;
  }
  send(body: FormData) {
    this.body = body;
  }
  abort() {
    this.onabort?.();
  }
  answer(status: number, body: unknown) {
    this.status = status;
    this.responseText = JSON.stringify(body);
    this.onload?.();
  }
}

describe('uploading an attachment', () => {
  const api = new ApiClient({ fetch: () => Promise.reject(new Error('no fetch here')), getToken: () => 'tok' });

  it('posts the file as multipart "file" to the channel, with the token, reporting progress', async () => {
    const seen: number[] = [];
    const file = new File(['회의 자료'], '회의 자료.txt', { type: 'text/plain' });
    const h = uploadAttachment(api, 3, file, (loaded, total) => seen.push(Math.round((loaded / total) * 100)), FakeXHR as unknown as typeof XMLHttpRequest);
    const xhr = FakeXHR.last!;
    expect(xhr.method).toBe('POST');
    expect(xhr.url).toBe('/api/v1/channels/3/attachments');
    expect(xhr.headers.Authorization).toBe('Bearer tok');
    expect((xhr.body!.get('file') as File).name).toBe('회의 자료.txt');
    xhr.upload.onprogress!({ lengthComputable: true, loaded: 5, total: 10 });
    xhr.answer(201, att(9, '회의 자료.txt'));
    expect(await h.promise).toEqual(att(9, '회의 자료.txt'));
    expect(seen).toEqual([50]);
  });

  it("turns the server's problem+json into an ApiError with its detail", async () => {
    const h = uploadAttachment(api, 3, new File(['x'.repeat(200)], 'big.bin'), () => undefined, FakeXHR as unknown as typeof XMLHttpRequest);
    FakeXHR.last!.answer(413, { code: 'file_too_large', detail: 'Files may have at most 100 bytes.', status: 413 });
    const err = await h.promise.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(uploadError(err)).toEqual({ key: 'thread.attach.tooLarge', detail: 'Files may have at most 100 bytes.' });
  });
});

describe('a message with attachments', () => {
  const me = { id: 7, username: 'kim', display_name: 'Kim' } as User;
  const entry = (args: object): OutboxEntry => ({ id: 'e1', name: 'message.create', args: args as never, base_version: null, created_at: '2027-03-10T01:00:00Z', sent: false, attempts: 0 });

  it('shows the files of a message still waiting in the outbox, by name when this page uploaded them', () => {
    rememberAttachments([att(51, '议程.docx')]);
    expect(knownAttachment(51)?.filename).toBe('议程.docx');
    const [pending] = overlayMessages([] as Message[], [entry({ thread_id: 1, body: '附件', lang: 'zh-Hans', attachment_ids: [51, 52] })], 1, me, knownAttachment);
    expect(pending.pending).toBe(true);
    expect(pending.attachments.map((a) => a.filename)).toEqual(['议程.docx', '#52']);
    expect(pending.attachments[1].url).toBe('/api/v1/attachments/52');
    // Without attachment ids (and without a lookup), as before.
    const [plain] = overlayMessages([], [entry({ thread_id: 1, body: 'x', lang: 'ko' })], 1, me);
    expect(plain.attachments).toEqual([]);
  });

  it('sends attachment_ids over REST too (a server without /sync)', () => {
    const call = restCall({ id: 'm1', name: 'message.create', args: { thread_id: 4, body: 'see file', lang: 'en', attachment_ids: [51] }, base_version: null });
    expect(call).toMatchObject({ method: 'POST', path: '/threads/4/messages', body: { body: 'see file', lang: 'en', attachment_ids: [51] }, create: true });
    const plain = restCall({ id: 'm2', name: 'message.create', args: { thread_id: 4, body: 'x', lang: 'en' }, base_version: null });
    expect(plain.body).toEqual({ body: 'x', lang: 'en' });
  });
});
