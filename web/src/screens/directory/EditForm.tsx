/**
 * What every administrator's form on the directory screen shares (counterpart pairs, regions,
 * cities, partnerships, sectors, glossary terms): the submit flow, the form around the fields,
 * and the fields. Online-only REST writes: nothing changes on screen until the server answered
 * 2xx; a refusal is shown with the server's own words, in the form and next to the field it
 * concerns.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { ApiError, NetworkError } from '../../api/client';
import type { Lang } from '../../api/types';
import { NAME_LANGS, type NameDraft } from '../../data/directoryEdit';
import { conflictErrors, fieldErrors, hasErrors, type DraftErrors, type ServerErrors } from '../../data/editForm';
import { t, type MessageKey } from '../../i18n';
import { uuid } from '../../sync/uuid';

/** The user-facing line for a failed write: offline, refused (403), or the server's detail. */
export function writeError(e: unknown): string {
  if (e instanceof NetworkError) return t('error.offline');
  if (e instanceof ApiError) return e.status === 403 ? t('dir.edit.forbidden', { detail: e.detail }) : t('dir.edit.failed', { detail: e.detail });
  return t('error.generic', { detail: e instanceof Error ? e.message : String(e) });
}

/** One Idempotency-Key per body: resending the same thing after a timeout cannot add it twice. */
export function useIdempotencyKey(): (body: unknown) => string {
  const last = useRef<{ body: string; key: string } | null>(null);
  return (body) => {
    const json = JSON.stringify(body);
    if (last.current?.body !== json) last.current = { body: json, key: uuid() };
    return last.current.key;
  };
}

interface Refusal<F extends string> extends ServerErrors<F> {
  detail: string;
}

export interface Submit<F extends string, R = unknown> {
  /** What the client found before sending (nothing is sent when there is something). */
  check: DraftErrors<F>;
  send: () => Promise<R>;
  /** After the server answered 2xx, with what `send` resolved to (the entity as saved). */
  onSaved: (result: R) => void;
  /** The form field a server error is about, from the field's path as the server names it. */
  fieldOf: (path: string) => F | undefined;
  /** A 412: the change was made on an older version; turn it into the conflict dialog. */
  onStale?: (err: ApiError) => Promise<void>;
  /** A 409: the list changed meanwhile; it is read again beside the open form. */
  onConflict?: () => void;
  /** 409 codes that concern one field (as the server names it), e.g. `city_exists: 'name'`. */
  conflictFields?: Partial<Record<string, string>>;
}

/** A form's state: client checks, the server's refusal, and whether a write is on its way. */
export function useEditForm<F extends string>(prefix: string, fields: readonly F[]) {
  const [errors, setErrors] = useState<DraftErrors<F>>({});
  const [refusal, setRefusal] = useState<Refusal<F> | null>(null);
  const [saving, setSaving] = useState(false);
  const busy = useRef(false);
  const id = (f: F) => `${prefix}-${f}`;

  const submit = async <R,>(s: Submit<F, R>) => {
    if (busy.current) return;
    setErrors(s.check);
    setRefusal(null);
    if (hasErrors(s.check)) {
      const first = fields.find((f) => s.check[f]);
      if (first) document.getElementById(id(first))?.focus();
      return;
    }
    busy.current = true;
    setSaving(true);
    let saved: { result: R } | null = null;
    try {
      saved = { result: await s.send() };
    } catch (thrown) {
      let err = thrown;
      if (s.onStale && err instanceof ApiError && err.status === 412) {
        try {
          await s.onStale(err);
          return;
        } catch (again) {
          err = again;
        }
      }
      let found = err instanceof ApiError ? err.errors : [];
      if (err instanceof ApiError && err.status === 409) {
        s.onConflict?.();
        // A 409 without field errors (partnership_exists): its code says which field it concerns.
        if (found.length === 0) found = conflictErrors(err.code, err.detail, s.conflictFields ?? {});
      }
      setRefusal({ detail: writeError(err), ...fieldErrors(found, s.fieldOf) });
    } finally {
      busy.current = false;
      setSaving(false);
    }
    if (saved) s.onSaved(saved.result);
  };

  /** The message shown next to a field: the client's check, else the server's word. */
  const message = (f: F): string | undefined => {
    const key = errors[f];
    return key ? t(key) : refusal?.fields[f];
  };
  return { errors, refusal, saving, submit, message, id, titleId: `${prefix}-title` };
}

export type EditFormState = ReturnType<typeof useEditForm<string>>;

interface EditFormProps {
  /** Names the test ids: `<name>-form`, `<name>-save`, `<name>-cancel`, `<name>-form-error`. */
  name: string;
  form: Pick<EditFormState, 'errors' | 'refusal' | 'saving' | 'titleId'>;
  title: string;
  hint?: string;
  onSubmit: () => void;
  onCancel: () => void;
  children: ComponentChildren;
}

/** The form around the fields: title, the refusal, Save and Cancel; Escape cancels. */
export function EditForm({ name, form, title, hint, onSubmit, onCancel, children }: EditFormProps) {
  const formRef = useRef<HTMLFormElement>(null);
  const refusalRef = useRef<HTMLDivElement>(null);
  const { errors, refusal, saving, titleId } = form;
  // A layout effect: the first field has focus before the form is painted, so a click or
  // keystroke made as soon as the form appears is never pulled back to it afterwards.
  useLayoutEffect(() => {
    formRef.current?.querySelector<HTMLElement>('input, select, textarea')?.focus();
  }, []);
  useEffect(() => {
    if (refusal) refusalRef.current?.focus();
  }, [refusal]);
  return (
    <form
      ref={formRef}
      class="dir-form"
      aria-labelledby={titleId}
      aria-busy={saving}
      noValidate
      data-testid={`${name}-form`}
      onSubmit={(e) => {
        e.preventDefault();
        onSubmit();
      }}
      onKeyDown={(e) => {
        if (e.key === 'Escape' && !saving) {
          e.preventDefault();
          onCancel();
        }
      }}
    >
      <h3 id={titleId}>{title}</h3>
      {hint && <p class="muted small">{hint}</p>}
      <fieldset disabled={saving}>
        {children}
        {errors.form && (
          <p class="error" role="alert" data-testid={`${name}-form-error`}>
            {t(errors.form)}
          </p>
        )}
        {refusal && (
          <div class="error" role="alert" tabIndex={-1} ref={refusalRef} data-testid={`${name}-form-error`}>
            <p>{refusal.detail}</p>
            {refusal.other.length > 0 && (
              <ul>
                {refusal.other.map((m, i) => (
                  <li key={i}>{m}</li>
                ))}
              </ul>
            )}
          </div>
        )}
        <div class="actions">
          <button type="submit" class="primary" data-testid={`${name}-save`}>
            {saving ? t('dir.edit.saving') : t('common.save')}
          </button>
          <button type="button" onClick={onCancel} data-testid={`${name}-cancel`}>
            {t('common.cancel')}
          </button>
        </div>
      </fieldset>
    </form>
  );
}

interface FieldProps {
  id: string;
  label: string;
  /** Already translated (a client check) or the server's own message. */
  error: string | undefined;
  /** A line under the field saying what it takes. */
  hint?: string;
  required?: boolean;
}

/** Label, control, hint and error, the control described by the last two. */
function Field({ id, label, error, hint, children }: FieldProps & { children: (describedBy: string | undefined) => ComponentChildren }) {
  const errorId = `${id}-error`;
  const hintId = `${id}-hint`;
  const describedBy = [hint ? hintId : '', error ? errorId : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {children(describedBy)}
      {hint && (
        <p id={hintId} class="muted small">
          {hint}
        </p>
      )}
      {error && (
        <p id={errorId} class="error small" data-testid="field-error">
          {error}
        </p>
      )}
    </div>
  );
}

export interface Option {
  value: string | number;
  label: string;
  lang?: string;
}

interface SelectProps extends FieldProps {
  value: string | number | null;
  options: Option[];
  /** The first, empty option ("Choose…"); false for none. */
  empty?: string | false;
  onChange: (value: string) => void;
}

export function SelectField({ value, options, empty = t('dir.edit.choose'), onChange, required = true, ...field }: SelectProps) {
  return (
    <Field {...field}>
      {(describedBy) => (
        <select
          id={field.id}
          required={required}
          value={value === null ? '' : String(value)}
          aria-invalid={field.error ? true : undefined}
          aria-describedby={describedBy}
          onChange={(e) => onChange((e.currentTarget as HTMLSelectElement).value)}
        >
          {empty !== false && <option value="">{empty}</option>}
          {options.map((o) => (
            <option key={o.value} value={String(o.value)} lang={o.lang}>
              {o.label}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

interface TextProps extends FieldProps {
  value: string;
  onInput: (value: string) => void;
  type?: 'text' | 'date';
  lang?: string;
  multiline?: boolean;
}

export function TextField({ value, onInput, type = 'text', lang, multiline = false, required = false, ...field }: TextProps) {
  const common = {
    id: field.id,
    value,
    lang,
    'aria-required': required || undefined,
    'aria-invalid': field.error ? true : undefined,
    onInput: (e: Event) => onInput((e.currentTarget as HTMLInputElement | HTMLTextAreaElement).value),
  };
  return (
    <Field {...field}>
      {(describedBy) => (multiline ? <textarea rows={3} aria-describedby={describedBy} {...common} /> : <input type={type} aria-describedby={describedBy} {...common} />)}
    </Field>
  );
}

interface NameFieldsProps {
  draft: NameDraft;
  id: (f: Lang | 'name_lang') => string;
  message: (f: Lang | 'name_lang') => string | undefined;
  onName: (lang: Lang, value: string) => void;
  onLang: (lang: Lang) => void;
}

/** A name in the three languages, and which of them it was written in (that one is required). */
export function NameFields({ draft, id, message, onName, onLang }: NameFieldsProps) {
  return (
    <>
      {NAME_LANGS.map((l) => (
        <TextField
          key={l}
          id={id(l)}
          label={t(`dir.edit.name.${l}` as MessageKey)}
          lang={l}
          value={draft[l]}
          required={l === draft.name_lang}
          error={message(l)}
          onInput={(v) => onName(l, v)}
        />
      ))}
      <SelectField
        id={id('name_lang')}
        label={t('dir.edit.nameLang')}
        value={draft.name_lang}
        empty={false}
        options={NAME_LANGS.map((l) => ({ value: l, label: t(`lang.${l}` as MessageKey), lang: l }))}
        error={message('name_lang')}
        onChange={(v) => onLang(v as Lang)}
      />
    </>
  );
}
