import { describeOpening, hoursFor, isOpen, nextOpening } from '../../agents/opening-hours.js';
import type { OwnForms, TurnStep } from '../types.js';

/**
 * The offline path: a handoff while its team is closed tells the contact when people answer
 * (`texts.closedUntil`) and marks the conversation, which still waits for an agent. On the
 * messengers the contact's next message is then taken as a lead and acknowledged
 * (`texts.offlineReceived`); the widget shows its own offline form instead. Opening hours are
 * judged at the message's arrival, so a retried turn decides the same.
 */
export function offlineHandoff(formsOf: (channel: string) => OwnForms | undefined): TurnStep {
  return async function offlineHandoff(turn, next) {
    const { collected, conversation, workspace, inbound } = turn;
    const content = inbound?.content;
    const ownOfflineForm = Boolean(formsOf(turn.address.channel)?.offline);
    if (conversation.status === 'waiting' && conversation.offline === 'closed' && content?.type === 'text' && !ownOfflineForm) {
      collected.leads.push({ flow: '-', form: 'offline', fields: { message: content.text } });
      collected.replies.push({ text: workspace.texts.offlineReceived, sender: 'system' });
      collected.offline = 'message';
      return;
    }
    await next();
    if (collected.status !== 'waiting') return;
    const hours = hoursFor(workspace, collected.team ?? conversation.team);
    if (!hours) return;
    const now = inbound ? new Date(inbound.receivedAt) : new Date();
    if (isOpen(hours, now)) {
      if (conversation.offline) collected.offline = 'open';
      return;
    }
    const opens = nextOpening(hours, now);
    const locale = turn.contact.profile.locale;
    collected.offline = 'closed';
    collected.replies.push({
      text: opens
        ? workspace.texts.closedUntil.replaceAll('{opens}', describeOpening(hours, opens, { now, ...(locale ? { locale } : {}) }))
        : workspace.texts.closed,
      sender: 'system',
    });
  };
}
