/** Fetch from REST and cache into the store. Screens render from the store, never from these. */
import { allPages } from '../api/endpoints';
import { ep, type Runtime } from '../runtime';
import { ENTITY, type Row } from '../sync/entities';

type R = Runtime;
const rows = (x: unknown) => x as Row[];

export async function refreshOrganizations(rt: R) {
  const orgs = await allPages((c) => ep.organizations(c));
  await rt.store.putMany(ENTITY.organization, rows(orgs));
}

/** Best effort: people are listed to members (scope directory:read); a bot may lack it. */
export async function refreshUsers(rt: R) {
  try {
    const users = await allPages((c) => ep.users(c), 5);
    await rt.store.putMany(ENTITY.user, rows(users));
  } catch {
    /* not allowed or offline: names fall back to ids */
  }
}

export async function refreshChannels(rt: R) {
  const channels = await allPages((c) => ep.channels(c));
  await rt.store.putMany(ENTITY.channel, rows(channels));
}

export async function refreshThreads(rt: R, channelId: number) {
  const threads = await allPages((c) => ep.threads(channelId, c), 5);
  await rt.store.putMany(ENTITY.thread, rows(threads));
}

export async function refreshThread(rt: R, threadId: number) {
  await rt.store.put(ENTITY.thread, (await ep.thread(threadId)) as unknown as Row);
}

/** One page of messages; returns the cursor for older ones. */
export async function refreshMessages(rt: R, threadId: number, cursor: string | null = null): Promise<string | null> {
  const page = await ep.messages(threadId, cursor);
  await rt.store.putMany(ENTITY.message, rows(page.items));
  return page.next_cursor;
}

export async function refreshMeetings(rt: R) {
  const meetings = await allPages((c) => ep.meetings(c));
  await rt.store.putMany(ENTITY.meeting, rows(meetings));
}

export async function refreshMeeting(rt: R, id: number) {
  const meeting = await ep.meeting(id);
  await rt.store.put(ENTITY.meeting, meeting as unknown as Row);
  await refreshMeetingParts(rt, id);
}

/** Agenda, minutes (split into sections, decisions, approvals) and action items. */
export async function refreshMeetingParts(rt: R, id: number) {
  const [agenda, minutes, actions] = await Promise.all([ep.agenda(id), ep.minutes(id), ep.meetingActionItems(id)]);
  await rt.store.putMany(ENTITY.agenda, rows(agenda), `meeting:${id}`);
  await rt.store.putMinutes(minutes as unknown as Row);
  await rt.store.putMany(ENTITY.actionItem, rows(actions), `meeting:${id}`);
}

export async function refreshMyActionItems(rt: R) {
  const items = await allPages((c) => ep.myActionItems('open', c), 5);
  await rt.store.putMany(ENTITY.actionItem, rows(items));
}
