import { describe, expect, it } from 'vitest';
import { ApiError, NetworkError } from '../src/api/client';
import { endpoints } from '../src/api/endpoints';
import type { Message, MessageTranslation } from '../src/api/types';
import {
  defaultTargetLang,
  MAX_TRANSLATION_BYTES,
  mayReview,
  reviewBody,
  sameTranslation,
  splitTranslations,
  targetLangs,
  translationBody,
  translationError,
  translationIn,
  withAnswer,
} from '../src/data/translations';
import { apiWith, fakeFetch, json } from './helpers';

const tr = (lang: MessageTranslation['lang'], kind: MessageTranslation['kind'] = 'human', body = `in ${lang}`): MessageTranslation => ({
  lang,
  body,
  html: `<p>${body}</p>`,
  kind,
  translator_id: 8,
  stale: false,
  updated_at: '2027-03-10T01:00:00Z',
});
const msg = (lang: Message['lang'], translations: MessageTranslation[] = [], version = 1): Message => ({
  id: 5,
  thread_id: 1,
  channel_id: 3,
  author: { id: 7, username: 'kim', display_name: 'Kim', is_bot: false },
  body: '안녕하세요',
  html: '<p>안녕하세요</p>',
  lang,
  created_at: '2027-03-10T00:00:00Z',
  edited_at: null,
  deleted: false,
  version,
  reactions: [],
  translations,
  attachments: [],
});

describe('translation targets', () => {
  it('offers every language but the original', () => {
    expect(targetLangs(msg('ko'))).toEqual(['zh-Hans', 'en']);
    expect(targetLangs(msg('zh-Hans'))).toEqual(['ko', 'en']);
    expect(targetLangs(msg('en'))).toEqual(['ko', 'zh-Hans']);
  });

  it("starts on the reader's language, else the first one missing, never the original", () => {
    expect(defaultTargetLang(msg('ko'), 'zh-Hans')).toBe('zh-Hans');
    // A Korean reader of a Korean message: the first language without a translation.
    expect(defaultTargetLang(msg('ko'), 'ko')).toBe('zh-Hans');
    expect(defaultTargetLang(msg('ko', [tr('zh-Hans')]), 'zh-Hans')).toBe('en');
    expect(defaultTargetLang(msg('ko', [tr('zh-Hans')]), 'ko')).toBe('en');
    // All done: the reader's own, to replace it.
    expect(defaultTargetLang(msg('ko', [tr('zh-Hans'), tr('en')]), 'zh-Hans')).toBe('zh-Hans');
    expect(defaultTargetLang(msg('ko', [tr('zh-Hans'), tr('en')]), 'ko')).toBe('zh-Hans');
  });

  it('finds the translation a form would replace', () => {
    const m = msg('ko', [tr('en')]);
    expect(translationIn(m, 'en')?.body).toBe('in en');
    expect(translationIn(m, 'zh-Hans')).toBeUndefined();
  });

  it("shows the reader's translation beside the original and keeps the others behind the button", () => {
    const m = msg('ko', [tr('en'), tr('zh-Hans')]);
    const forBeijing = splitTranslations(m, 'zh-Hans');
    expect(forBeijing.mine?.lang).toBe('zh-Hans');
    expect(forBeijing.others.map((x) => x.lang)).toEqual(['en']);
    // The original is in the reader's language: nothing is "theirs", all are others.
    const forSeoul = splitTranslations(m, 'ko');
    expect(forSeoul.mine).toBeNull();
    expect(forSeoul.others.map((x) => x.lang)).toEqual(['en', 'zh-Hans']);
  });
});

describe('translation body', () => {
  it('refuses an empty body and says human or reviewed', () => {
    expect(translationBody('  \n', false)).toEqual({ error: 'thread.translate.empty' });
    expect(translationBody('欢迎', false)).toEqual({ body: { body: '欢迎', kind: 'human' } });
    expect(translationBody('欢迎', true)).toEqual({ body: { body: '欢迎', kind: 'reviewed' } });
  });

  it('counts the limit in UTF-8 bytes, as the server does', () => {
    const han = '欢'.repeat(Math.floor(MAX_TRANSLATION_BYTES / 3)); // 3 bytes each: just under
    expect('body' in translationBody(han, false)).toBe(true);
    // Fewer characters than the limit, but more bytes: refused before sending.
    expect(translationBody(han + '欢欢', false)).toEqual({ error: 'thread.translate.tooLong' });
    expect((han + '欢欢').length).toBeLessThan(MAX_TRANSLATION_BYTES);
  });
});

describe('reviewing a machine translation', () => {
  it('is offered for bot translations, to people only', () => {
    expect(mayReview(tr('en', 'bot'), { is_bot: false })).toBe(true);
    expect(mayReview(tr('en', 'bot'), { is_bot: true })).toBe(false);
    expect(mayReview(tr('en', 'human'), { is_bot: false })).toBe(false);
    expect(mayReview(tr('en', 'reviewed'), { is_bot: false })).toBe(false);
    expect(mayReview(tr('en', 'bot'), null)).toBe(false);
  });

  it('sends the same text back as reviewed', () => {
    expect(reviewBody(tr('zh-Hans', 'bot', '欢迎光临'))).toEqual({ body: '欢迎光临', kind: 'reviewed' });
  });
});

describe('showing a write before the store has it', () => {
  it("uses the answer's translations only while it is newer than the cached message", () => {
    const cached = msg('ko', [], 3);
    const answer = msg('ko', [tr('zh-Hans')], 4);
    expect(withAnswer(cached, answer).translations.map((x) => x.lang)).toEqual(['zh-Hans']);
    expect(withAnswer(cached, answer).version).toBe(3); // the rest stays the cached message
    // The store caught up (the REST answer or the live change): the cached one, no duplicate.
    const caughtUp = msg('ko', [tr('zh-Hans')], 4);
    expect(withAnswer(caughtUp, answer)).toBe(caughtUp);
    // Someone changed it again since: the newer cached one wins.
    const newer = msg('ko', [tr('zh-Hans', 'human', 'newer')], 6);
    expect(withAnswer(newer, answer)).toBe(newer);
    expect(withAnswer(cached, null)).toBe(cached);
    expect(withAnswer(cached, { ...answer, id: 99 })).toBe(cached);
  });
});

describe('translation errors', () => {
  it("keeps the server's detail, says when it was refused, and when there is no connection", () => {
    expect(translationError(new NetworkError())).toEqual({ key: 'thread.translate.offline', detail: '' });
    expect(translationError(new ApiError(403, { code: 'channel_read_only', detail: 'You cannot translate here.' }))).toEqual({
      key: 'thread.translate.forbidden',
      detail: 'You cannot translate here.',
    });
    expect(translationError(new ApiError(422, { code: 'original_language', detail: "That is the message's original language." }))).toEqual({
      key: 'thread.translate.failed',
      detail: "That is the message's original language.",
    });
  });
});

describe('translation and history endpoints', () => {
  it('PUTs {body, kind} to /messages/{id}/translations/{lang} and reads /messages/{id}/history', async () => {
    const { fetch, calls } = fakeFetch((c) => (c.url.endsWith('/history') ? json([{ body_revision: 1, body: 'old', lang: 'ko', edited_by: 7, replaced_at: '2027-03-10T01:00:00Z' }]) : json(msg('ko', [tr('zh-Hans')], 2))));
    const ep = endpoints(apiWith(fetch));
    const answer = await ep.putTranslation(5, 'zh-Hans', { body: '欢迎', kind: 'human' });
    expect(calls[0]).toMatchObject({ method: 'PUT', url: '/api/v1/messages/5/translations/zh-Hans', body: { body: '欢迎', kind: 'human' } });
    expect(answer.translations[0].lang).toBe('zh-Hans');
    const history = await ep.messageHistory(5);
    expect(calls[1]).toMatchObject({ method: 'GET', url: '/api/v1/messages/5/history' });
    expect(history[0].body).toBe('old');
  });
});

describe('a translation saved on a version that is no longer current (412)', () => {
  it('is sent again when the translation into that language is still the one the user started from', () => {
    expect(sameTranslation(undefined, undefined)).toBe(true);
    expect(sameTranslation(tr('zh-Hans'), tr('zh-Hans'))).toBe(true);
    // stale and updated_at move with the original's edits, not with someone else's translation
    expect(sameTranslation(tr('zh-Hans'), { ...tr('zh-Hans'), stale: true, updated_at: '2027-03-11T00:00:00Z' })).toBe(true);
  });
  it('is shown to the user first when someone else saved, replaced or reviewed it meanwhile', () => {
    expect(sameTranslation(undefined, tr('zh-Hans'))).toBe(false);
    expect(sameTranslation(tr('zh-Hans'), { ...tr('zh-Hans'), body: '欢迎光临' })).toBe(false);
    expect(sameTranslation(tr('zh-Hans', 'bot'), { ...tr('zh-Hans', 'bot'), kind: 'reviewed' })).toBe(false);
    expect(sameTranslation(tr('zh-Hans'), { ...tr('zh-Hans'), translator_id: 9 })).toBe(false);
  });
  it('sends the version the user saw as If-Match', async () => {
    const { fetch, calls } = fakeFetch(() => json(msg('ko', [tr('zh-Hans')], 3)));
    const ep = endpoints(apiWith(fetch));
    await ep.putTranslation(5, 'zh-Hans', { body: '欢迎' }, 2);
    expect(calls[0].headers['If-Match']).toBe('2');
  });
});
