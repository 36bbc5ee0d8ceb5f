import { useState } from 'preact/hooks';
import { ApiError, NetworkError } from '../../api/client';
import type { Approval, Lang, Meeting as MeetingT, Minutes, User } from '../../api/types';
import { orgName, useOrganizations, userName } from '../../data/names';
import { t } from '../../i18n';
import { formatDateTime } from '../../i18n/format';
import { ep, type Runtime } from '../../runtime';
import type { Row } from '../../sync/entities';

/** Approvals of the current amendment that are not withdrawn. */
export function activeApprovals(minutes: Minutes | undefined, approvals: Approval[]): Approval[] {
  const amendment = minutes?.amendment;
  return approvals.filter((a) => !a.withdrawn_at && (amendment === undefined || a.amendment === amendment));
}

/** As the server computes it: approved when every delegation approved this amendment. */
export function minutesState(meeting: MeetingT, minutes: Minutes, approvals: Approval[]): 'draft' | 'in_review' | 'approved' {
  const active = activeApprovals(minutes, approvals);
  const orgs = new Set(active.map((a) => a.organization_id));
  const all = meeting.organization_ids ?? [];
  if (all.length > 0 && all.every((o) => orgs.has(o))) return 'approved';
  return active.length ? 'in_review' : 'draft';
}


export function Approvals(props: { rt: Runtime; meeting: MeetingT; approvals: Approval[]; lang: Lang; tz: string; orgs: ReturnType<typeof useOrganizations>; users: Map<number, User> }) {
  const { rt, meeting, approvals, lang, tz, orgs, users } = props;
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const orgIds = [...new Set([...(meeting.organization_ids ?? []), ...approvals.map((a) => a.organization_id)])];
  const myOrg = rt.user.organization_id;
  const mine = approvals.find((a) => a.organization_id === myOrg);
  const approve = async () => {
    setBusy(true);
    setError(null);
    try {
      await rt.store.putMinutes((await ep.approveMinutes(meeting.id)) as unknown as Row);
    } catch (err) {
      setError(err instanceof NetworkError ? t('error.offline') : t('error.generic', { detail: err instanceof ApiError ? err.detail : String(err) }));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section aria-labelledby="approvals-title" class="card">
      <h2 id="approvals-title">{t('meeting.approvals')}</h2>
      <ul class="list" data-testid="approvals">
        {orgIds.map((id) => {
          const a = approvals.find((x) => x.organization_id === id);
          return (
            <li key={id} class="list-item" data-testid="approval" data-approved={a ? 'true' : 'false'}>
              <strong>{orgName(orgs.get(id), id, lang)}</strong>:{' '}
              {a ? (
                <span class="ok">
                  ✓ {t('meeting.approved', { time: formatDateTime(a.approved_at, lang, tz) })}
                  {` — ${userName(users.get(a.user_id), a.user_id)}`}
                </span>
              ) : (
                <span class="muted">{t('meeting.notApproved')}</span>
              )}
            </li>
          );
        })}
      </ul>
      {myOrg !== null && orgIds.includes(myOrg) && !mine && (
        <button type="button" class="primary" disabled={busy} onClick={() => void approve()} data-testid="approve-button">
          {t('meeting.approve')}
        </button>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
