import type { InboxFilter } from './api';
import type { Summary, View } from './types';

export const views: { id: View; label: string }[] = [
  { id: 'mine', label: 'Mine' },
  { id: 'waiting', label: 'Waiting' },
  { id: 'open', label: 'Open' },
  { id: 'closed', label: 'Closed' },
];

/** Whether a conversation, as an event describes it now, belongs in a list (the server's rules for each view, docs/console-api.md). */
export function belongs(c: Summary, filter: InboxFilter, me: string): boolean {
  if (filter.channel && c.channel !== filter.channel) return false;
  if (filter.team && c.team !== filter.team) return false;
  switch (filter.view) {
    case 'mine':
      return c.status === 'agent' && c.assignee?.id === me;
    case 'waiting':
      return c.status === 'waiting';
    case 'open':
      return c.status !== 'closed';
    case 'closed':
      return c.status === 'closed';
  }
}

const time = (iso: string | undefined) => (iso ? Date.parse(iso) : 0);

/** The view's order: the longest waiting first in Waiting, the latest activity first elsewhere. */
function compare(view: View): (a: Summary, b: Summary) => number {
  if (view === 'waiting') return (a, b) => time(a.waitingSince ?? a.lastMessageAt) - time(b.waitingSince ?? b.lastMessageAt);
  return (a, b) => time(b.lastMessageAt) - time(a.lastMessageAt);
}

/** The list after one live event: the conversation replaced, added in its place, or removed when it no longer belongs. */
export function applyEvent(list: Summary[], c: Summary, filter: InboxFilter, me: string): Summary[] {
  const rest = list.filter((x) => x.id !== c.id);
  if (!belongs(c, filter, me)) return rest.length === list.length ? list : rest;
  return [...rest, c].sort(compare(filter.view));
}
