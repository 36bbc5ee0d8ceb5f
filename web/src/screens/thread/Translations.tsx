/**
 * A message's translations beside the original: the one in the reader's language always
 * shown, the others behind a button; each with its kind, translator, and a stale marker when
 * the original was edited after it. Adding, replacing and reviewing one are online-only REST
 * writes (PUT /messages/{id}/translations/{lang}); offline the buttons stay, disabled, and
 * the thread says why.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { Lang, Message, MessageTranslation, TranslationPut, User } from '../../api/types';
import { ApiError } from '../../api/client';
import { useRuntime } from '../../data/hooks';
import { userName } from '../../data/names';
import type { ViewMessage } from '../../data/overlay';
import { defaultTargetLang, mayReview, reviewBody, sameTranslation, splitTranslations, targetLangs, translationBody, translationError, translationIn } from '../../data/translations';
import { t, useLang } from '../../i18n';
import { formatDateTime } from '../../i18n/format';
import { useObservable } from '../../lib/observable';
import { serverHtml } from '../../lib/serverHtml';
import { ep, online } from '../../runtime';
import { ENTITY, type Row } from '../../sync/entities';

interface Props {
  m: ViewMessage;
  tz: string;
  users: Map<number, User>;
  /** The message is on the server and not deleted: translations may be written. */
  canWrite: boolean;
  /** Id of the thread's "you are offline" line, for the disabled buttons. */
  offlineHint?: string;
  /** The server's answer to a write (the whole message), shown until the store has it. */
  onSaved: (message: Message) => void;
}

interface Draft {
  lang: Lang;
  body: string;
  reviewed: boolean;
  /** The message as the user saw it when opening the form: its version goes as If-Match. */
  base: Base;
}

type Base = Pick<Message, 'version' | 'translations'>;

export function Translations({ m, tz, users, canWrite, offlineHint, onSaved }: Props) {
  const uiLang = useLang();
  const rt = useRuntime();
  const isOnline = useObservable(online);
  const [showAll, setShowAll] = useState(false);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [busy, setBusy] = useState<Lang | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState('');
  const { mine, others } = splitTranslations(m, uiLang);
  const listId = `translations-${m.id}`;

  /**
   * Sends one translation on the version the user saw (`base`); true when the server took it.
   * A 412 whose translation into `lang` is still the one the user started from is sent again
   * on the current version; one that someone else changed is shown first, never overwritten.
   */
  const save = async (lang: Lang, body: TranslationPut, base: Base): Promise<boolean> => {
    if (!rt) return false;
    setBusy(lang);
    setError(null);
    setStatus('');
    const show = async (message: Message) => {
      // The same copy the live change brings: whichever arrives second changes nothing.
      await rt.store.put(ENTITY.message, message as unknown as Row);
      onSaved(message);
    };
    try {
      let version = base.version;
      for (let attempt = 0; ; attempt++) {
        try {
          await show(await ep.putTranslation(m.id, lang, body, version));
          break;
        } catch (e) {
          const current = e instanceof ApiError && e.status === 412 ? (e.problem.current as Message | undefined) : undefined;
          if (!current || attempt > 0) throw e;
          await show(current);
          if (!sameTranslation(translationIn(base, lang), translationIn(current, lang))) {
            setDraft((d) => (d ? { ...d, base: current } : d));
            setShowAll(true);
            setError(t('thread.translate.changedMeanwhile'));
            return false;
          }
          version = current.version;
        }
      }
      if (lang !== mine?.lang && lang !== uiLang) setShowAll(true);
      setStatus(t('thread.translate.saved'));
      return true;
    } catch (e) {
      const { key, detail } = translationError(e);
      setError(t(key, { detail }));
      return false;
    } finally {
      setBusy(null);
    }
  };

  const open = (lang: Lang) => {
    const existing = translationIn(m, lang);
    setError(null);
    setStatus('');
    setDraft({ lang, body: existing?.body ?? '', reviewed: existing?.kind === 'reviewed', base: m });
  };

  const shown = [...(mine ? [mine] : []), ...(showAll ? others : [])];
  if (!canWrite && m.translations.length === 0) return null;
  return (
    <div class="translations" data-testid="translations-panel">
      {shown.length > 0 && (
        <ul id={listId} data-testid="translations">
          {shown.map((tr) => (
            <TranslationItem
              key={tr.lang}
              tr={tr}
              tz={tz}
              translator={userName(users.get(tr.translator_id), tr.translator_id)}
              actions={
                canWrite && (
                  <>
                    <button type="button" class="link" disabled={!isOnline || busy !== null} aria-describedby={offlineHint} onClick={() => open(tr.lang)} data-testid="translation-edit">
                      {t('thread.translate.edit')}
                    </button>
                    {mayReview(tr, rt?.user ?? null) && (
                      <button type="button" class="link" disabled={!isOnline || busy !== null} aria-describedby={offlineHint} onClick={() => void save(tr.lang, reviewBody(tr), m)} data-testid="translation-review">
                        {busy === tr.lang ? t('thread.translate.saving') : t('thread.translate.markReviewed')}
                      </button>
                    )}
                  </>
                )
              }
            />
          ))}
        </ul>
      )}
      <div class="message-actions">
        {others.length > 0 && (
          <button type="button" class="link" aria-expanded={showAll} aria-controls={listId} onClick={() => setShowAll(!showAll)} data-testid="translations-toggle">
            {showAll ? t('thread.hideTranslations') : t('thread.showTranslations', { n: others.length })}
          </button>
        )}
        {canWrite && !draft && (
          <button type="button" class="link" disabled={!isOnline} aria-describedby={offlineHint} onClick={() => open(defaultTargetLang(m, uiLang))} data-testid="translation-add">
            {t('thread.translate.add')}
          </button>
        )}
      </div>
      {draft && (
        <TranslationForm
          m={m}
          draft={draft}
          setDraft={setDraft}
          saving={busy !== null}
          online={isOnline}
          error={error}
          onError={setError}
          onSubmit={async (body) => {
            if (await save(draft.lang, body, draft.base)) setDraft(null);
          }}
        />
      )}
      {!draft && error && (
        <p class="error" role="alert" data-testid="translation-error">
          {error}
        </p>
      )}
      <p class="visually-hidden" role="status" data-testid="translation-status">
        {status}
      </p>
    </div>
  );
}

function TranslationItem({ tr, tz, translator, actions }: { tr: MessageTranslation; tz: string; translator: string; actions: ComponentChildren }) {
  const lang = useLang();
  return (
    <li class="translation" data-testid="translation" data-lang={tr.lang}>
      <div class="message-head">
        <span class="tag" lang={tr.lang}>
          {t(`lang.${tr.lang}`)}
        </span>
        <span class="small" data-testid="translation-kind" data-kind={tr.kind}>
          {t(`thread.kind.${tr.kind}`)}
        </span>
        <span class="muted small" data-testid="translation-by">
          {t('thread.translate.by', { name: translator })}
        </span>
        <time dateTime={tr.updated_at} class="muted small">
          {formatDateTime(tr.updated_at, lang, tz)}
        </time>
        {tr.stale && (
          <span class="tag tag-warn" data-testid="translation-stale">
            {t('thread.stale')}
          </span>
        )}
        {actions}
      </div>
      {/* html is rendered and sanitized by the server. */}
      <div class="message-body" lang={tr.lang} dangerouslySetInnerHTML={serverHtml(tr.html)} />
    </li>
  );
}

interface FormProps {
  m: ViewMessage;
  draft: Draft;
  setDraft: (d: Draft | null) => void;
  saving: boolean;
  online: boolean;
  error: string | null;
  onError: (e: string | null) => void;
  onSubmit: (body: TranslationPut) => Promise<void>;
}

function TranslationForm({ m, draft, setDraft, saving, online, error, onError, onSubmit }: FormProps) {
  const bodyRef = useRef<HTMLTextAreaElement>(null);
  const errorRef = useRef<HTMLParagraphElement>(null);
  const id = `tr-${m.id}`;
  const existing = translationIn(m, draft.lang);
  useLayoutEffect(() => bodyRef.current?.focus(), []); // focused before it is painted
  useEffect(() => {
    if (error) errorRef.current?.focus();
  }, [error]);

  const submit = (e: Event) => {
    e.preventDefault();
    if (saving || !online) return;
    const r = translationBody(draft.body, draft.reviewed);
    if ('error' in r) {
      onError(t(r.error));
      return;
    }
    void onSubmit(r.body);
  };
  // Another language: start from its translation unless the user already typed something new.
  const chooseLang = (lang: Lang) => {
    const typed = draft.body.trim() !== '' && draft.body !== (existing?.body ?? '');
    const next = translationIn(m, lang);
    setDraft({ lang, body: typed ? draft.body : (next?.body ?? ''), reviewed: draft.reviewed, base: m });
  };

  return (
    <form class="translation-form" onSubmit={submit} data-testid="translation-form">
      <fieldset disabled={saving}>
        <legend>{t('thread.translate.formTitle')}</legend>
        <label for={`${id}-lang`} class="small">
          {t('thread.translate.lang')}
        </label>{' '}
        <select id={`${id}-lang`} value={draft.lang} onChange={(e) => chooseLang((e.currentTarget as HTMLSelectElement).value as Lang)} data-testid="translation-lang">
          {targetLangs(m).map((l) => (
            <option key={l} value={l}>
              {t(`lang.${l}`)}
            </option>
          ))}
        </select>
        {existing && (
          <p class="muted small" data-testid="translation-replaces">
            {t('thread.translate.replaces', { lang: t(`lang.${draft.lang}`) })}
          </p>
        )}
        <label for={`${id}-body`}>{t('thread.translate.body')}</label>
        <textarea
          id={`${id}-body`}
          ref={bodyRef}
          rows={3}
          lang={draft.lang}
          value={draft.body}
          onInput={(e) => setDraft({ ...draft, body: (e.currentTarget as HTMLTextAreaElement).value })}
          data-testid="translation-body"
        />
        <label class="small">
          <input type="checkbox" checked={draft.reviewed} onChange={(e) => setDraft({ ...draft, reviewed: (e.currentTarget as HTMLInputElement).checked })} data-testid="translation-reviewed" />{' '}
          {t('thread.translate.reviewed')}
        </label>
        {!online && (
          <p id={`${id}-offline`} class="muted small" data-testid="translation-offline">
            {t('thread.translate.offline')}
          </p>
        )}
        {error && (
          <p class="error" role="alert" tabIndex={-1} ref={errorRef} data-testid="translation-error">
            {error}
          </p>
        )}
        <div class="composer-row">
          <button type="submit" class="primary" disabled={!online} aria-describedby={online ? undefined : `${id}-offline`} data-testid="translation-save">
            {saving ? t('thread.translate.saving') : t('thread.translate.save')}
          </button>
          <button type="button" onClick={() => setDraft(null)} data-testid="translation-cancel">
            {t('common.cancel')}
          </button>
        </div>
      </fieldset>
    </form>
  );
}
