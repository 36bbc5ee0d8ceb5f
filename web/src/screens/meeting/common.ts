import type { Meeting as MeetingT, User } from '../../api/types';
import { userName } from '../../data/names';

/** Someone a meeting's agenda item or action item can be given to. */
export interface Person {
  id: number;
  name: string;
}

/** The meeting's participants, and the signed-in user even when not listed. */
export function peopleOf(m: MeetingT, users: Map<number, User>, me: User | null): Person[] {
  const ids = new Set<number>((m.participants ?? []).map((p) => p.user_id));
  if (me) ids.add(me.id);
  return [...ids].map((id) => ({ id, name: id === me?.id ? me.display_name || me.username : userName(users.get(id), id) }));
}

/** The value of the input an event came from. */
export const val = (e: Event) => (e.currentTarget as HTMLInputElement).value;
