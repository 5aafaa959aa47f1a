import type { Agent, Summary } from './types';

/**
 * What the signed-in agent may do with a conversation now, following the server's rules
 * (core/agents/takeover.ts, core/conversations.ts) so buttons are disabled rather than refused:
 * one agent holds a conversation; admins and owners may step in on another's.
 */
export function allowed(c: Summary, me: Agent) {
  const mine = c.status === 'agent' && c.assignee?.id === me.id;
  const anothers = c.status === 'agent' && !mine;
  const admin = me.role !== 'agent';
  return {
    mine,
    take: c.status !== 'closed' && !mine && (!anothers || admin),
    reply: mine,
    handBack: c.status === 'waiting' || mine || (anothers && admin),
    close: c.status !== 'closed' && (!anothers || admin),
    reopen: c.status === 'closed',
    // To a colleague or a team's queue: the holder, or an admin while people have it (core/agents/transfer.ts).
    transfer: mine || (admin && (c.status === 'waiting' || c.status === 'agent')),
  };
}

/** The conversation's owner in words, for its header. */
export function ownerText(c: Summary, me: Agent): string {
  switch (c.status) {
    case 'bot':
      return 'With the bot';
    case 'waiting':
      return 'Waiting for an agent';
    case 'agent':
      return c.assignee?.id === me.id ? 'Yours' : `With ${c.assignee?.name ?? 'another agent'}`;
    case 'closed':
      return 'Closed';
  }
}
