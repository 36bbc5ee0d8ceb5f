import type { Channel } from '../api/types';
import { RefreshNotice } from '../components/Notice';
import { useQuery, useRefresh } from '../data/hooks';
import { refreshChannels } from '../data/loaders';
import { t, useLang } from '../i18n';
import { Link } from '../router';
import { ENTITY } from '../sync/entities';

export function Channels() {
  useLang();
  const state = useRefresh((rt) => refreshChannels(rt), []);
  const channels = useQuery((s) => s.list<Channel>(ENTITY.channel), [], [] as Channel[]);
  const sorted = [...channels].sort((a, b) => a.name.localeCompare(b.name));
  return (
    <section aria-labelledby="channels-title">
      <h1 id="channels-title">{t('channels.title')}</h1>
      <RefreshNotice state={state} />
      {!state.loading && sorted.length === 0 && <p class="muted">{t('channels.empty')}</p>}
      <ul class="list" data-testid="channel-list">
        {sorted.map((c) => (
          <li key={c.id} class="list-item" data-testid="channel-item">
            <Link href={`/channels/${c.id}`} class="list-link">
              <span class="title"># {c.name}</span>
              {c.unread_count > 0 && (
                <span class="badge" data-testid="unread-count">
                  {t('channels.unread', { n: c.unread_count })}
                </span>
              )}
            </Link>
            {c.description && <p class="muted small">{c.description}</p>}
            {c.visibility === 'platform' && <p class="muted small">{t('channels.platform')}</p>}
          </li>
        ))}
      </ul>
    </section>
  );
}
