/** Display names for organizations and users from the cache (ids when unknown). */
import type { Lang, Organization, User } from '../api/types';
import { ENTITY } from '../sync/entities';
import { useQuery } from './hooks';

export function useOrganizations(): Map<number, Organization> {
  const list = useQuery((s) => s.list<Organization>(ENTITY.organization), [], [] as Organization[]);
  return new Map(list.map((o) => [o.id, o]));
}

export function useUsers(): Map<number, User> {
  const list = useQuery((s) => s.list<User>(ENTITY.user), [], [] as User[]);
  return new Map(list.map((u) => [u.id, u]));
}

export function orgName(o: Organization | undefined, id: number, lang: Lang): string {
  if (!o) return `#${id}`;
  return (o.name_lang === lang ? o.name : o.translations?.[lang]) || o.name;
}

export function userName(u: User | undefined, id: number | null): string {
  if (id === null) return '';
  return u ? u.display_name || u.username : `#${id}`;
}
