import { describeOpening, hoursFor, isOpen, nextOpening } from '../../agents/opening-hours.js';
import type { OwnForms, TurnStep } from '../types.js';

/**
 * The offline path: a handoff while its team is closed tells the contact when people answer
 * (`texts.closedUntil`) and marks the conversation, which still waits for an agent. On the
 * messengers the contact's next message is then taken as a lead and acknowledged
 * (`texts.offlineReceived`); the widget shows its own offline form instead. Opening hours are
 * judged at the message's arrival, so a retried turn decides the same.
 */
export function offlineHandoff(options: {
  ownForms: (channel: string) => OwnForms | undefined;
  inLine: (workspace: string, team?: string) => Promise<number>;
}): TurnStep {
  return async function offlineHandoff(turn, next) {
    const { collected, conversation, workspace, inbound } = turn;
    const content = inbound?.content;
    // The widget shows its own offline form, and the place in line itself.
    const ownOfflineForm = Boolean(options.ownForms(turn.address.channel)?.offline);
    if (conversation.status === 'waiting' && conversation.offline === 'closed' && content?.type === 'text' && !ownOfflineForm) {
      collected.leads.push({ flow: '-', form: 'offline', fields: { message: content.text } });
      collected.replies.push({ text: workspace.texts.offlineReceived, sender: 'system' });
      collected.offline = 'message';
      return;
    }
    await next();
    if (collected.status !== 'waiting') return;
    const team = collected.team ?? conversation.team ?? undefined;
    /** On the messengers, with `texts.queuePosition` set: where the contact stands, as one more system line. */
    const placeInLine = async () => {
      if (!workspace.texts.queuePosition || ownOfflineForm) return;
      const ahead = await options.inLine(workspace.id, team);
      collected.replies.push({ text: workspace.texts.queuePosition.replaceAll('{position}', String(ahead + 1)), sender: 'system' });
    };
    const hours = hoursFor(workspace, team);
    if (!hours) return placeInLine();
    const now = inbound ? new Date(inbound.receivedAt) : new Date();
    if (isOpen(hours, now)) {
      if (conversation.offline) collected.offline = 'open';
      return placeInLine();
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
