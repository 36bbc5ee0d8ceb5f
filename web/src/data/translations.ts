/**
 * Rules of writing a message's translations from the thread screen (tested in
 * tests/thread-translations.test.ts). The server decides (server/discussion/messages.py,
 * put_translation): never into the original language, people write "human" or "reviewed"
 * (a bot's is always "bot"), and the body has the same 64 KiB (UTF-8) limit as a message.
 * Online-only REST writes: the answer is the whole message, written into the store like any
 * other copy of it, so the live change that follows adds nothing new.
 */
import { ApiError, NetworkError } from '../api/client';
import type { Lang, Message, MessageTranslation, TranslationPut, User } from '../api/types';
import type { MessageKey } from '../i18n';

/** The server's limit on a message or translation body, in UTF-8 bytes (MAX_MESSAGE_BYTES). */
export const MAX_TRANSLATION_BYTES = 64 * 1024;
const ALL_LANGS: readonly Lang[] = ['ko', 'zh-Hans', 'en'];

/** The languages a message may be translated into: every one but its original. */
export function targetLangs(m: Pick<Message, 'lang'>): Lang[] {
  return ALL_LANGS.filter((l) => l !== m.lang);
}

/**
 * Which language the "add a translation" form starts on: the reader's own (a Beijing official
 * reading Korean adds Chinese) unless that is the original or already done, then the first
 * one still missing, else the reader's (replacing it).
 */
export function defaultTargetLang(m: Pick<Message, 'lang' | 'translations'>, uiLang: Lang): Lang {
  const targets = targetLangs(m);
  const done = new Set(m.translations.map((t) => t.lang));
  if (targets.includes(uiLang) && !done.has(uiLang)) return uiLang;
  return targets.find((l) => !done.has(l)) ?? (targets.includes(uiLang) ? uiLang : targets[0]);
}

/** The translation into `lang` if there is one (the form then replaces it). */
export function translationIn(m: Pick<Message, 'translations'>, lang: Lang): MessageTranslation | undefined {
  return m.translations.find((t) => t.lang === lang);
}

/**
 * The translation shown right under the original: the one in the reader's language (none
 * when the message is written in it). The others wait behind the "Translations" button.
 */
export function splitTranslations(m: Pick<Message, 'lang' | 'translations'>, uiLang: Lang): { mine: MessageTranslation | null; others: MessageTranslation[] } {
  const mine = m.lang === uiLang ? null : (m.translations.find((t) => t.lang === uiLang) ?? null);
  return { mine, others: m.translations.filter((t) => t !== mine) };
}

/** The PUT body, or the reason (a message key) it cannot be sent. */
export function translationBody(body: string, reviewed: boolean): { body: TranslationPut } | { error: MessageKey } {
  if (!body.trim()) return { error: 'thread.translate.empty' };
  if (new TextEncoder().encode(body).length > MAX_TRANSLATION_BYTES) return { error: 'thread.translate.tooLong' };
  return { body: { body, kind: reviewed ? 'reviewed' : 'human' } };
}

/**
 * A machine translation may be marked as reviewed by a person: the same text sent back with
 * kind "reviewed" (the server has no separate review call, so the reviewer becomes its
 * translator and it counts as made from the current original). A bot's write is always
 * "bot", so bots are not offered it.
 */
export function mayReview(tr: Pick<MessageTranslation, 'kind'>, me: Pick<User, 'is_bot'> | null): boolean {
  return tr.kind === 'bot' && !!me && !me.is_bot;
}

export function reviewBody(tr: Pick<MessageTranslation, 'body'>): TranslationPut {
  return { body: tr.body, kind: 'reviewed' };
}

/**
 * What to show until the store has caught up with a write's answer: the answer's
 * translations while it is newer than the cached message, then the cached message (which by
 * then holds the same, or something newer). So the saved translation is on screen from the
 * moment the form closes, and never twice.
 */
export function withAnswer<M extends Pick<Message, 'id' | 'version' | 'translations'>>(m: M, answer: Pick<Message, 'id' | 'version' | 'translations'> | null): M {
  if (!answer || answer.id !== m.id || answer.version <= m.version) return m;
  return { ...m, translations: answer.translations };
}

/** One line for a failed write: no connection, refused (403), or the server's own detail. */
export function translationError(e: unknown): { key: MessageKey; detail: string } {
  if (e instanceof NetworkError) return { key: 'thread.translate.offline', detail: '' };
  if (e instanceof ApiError) return { key: e.status === 403 ? 'thread.translate.forbidden' : 'thread.translate.failed', detail: e.detail };
  return { key: 'thread.translate.failed', detail: e instanceof Error ? e.message : String(e) };
}

/**
 * After a 412 (the message changed since the user opened it): true when the translation into
 * the language being written is still the one the user started from (the message changed in
 * some other way: a reaction, another language), so the write is sent again on the current
 * version; false when someone else saved a translation into that language meanwhile, which
 * the user sees before anything replaces it.
 */
export function sameTranslation(opened: MessageTranslation | undefined, current: MessageTranslation | undefined): boolean {
  if (!opened || !current) return opened === current;
  return opened.body === current.body && opened.kind === current.kind && opened.translator_id === current.translator_id;
}
