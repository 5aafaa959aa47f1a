import type { OwnForms, TurnStep } from '../types.js';

/**
 * Forms the channel's own client shows (the widget's pre-chat and offline forms), handled by the
 * channel's definition: the core knows no form ids. Such a submission ends the turn; the bot
 * never sees it. Every other message goes on.
 */
export function channelOwnForms(formsOf: (channel: string) => OwnForms | undefined): TurnStep {
  return async function channelOwnForms(turn, next) {
    const content = turn.inbound?.content;
    const forms = content?.type === 'form' ? formsOf(turn.address.channel) : undefined;
    // Own keys only: a form id like `constructor` is no handler.
    const handler = content?.type === 'form' && forms && Object.hasOwn(forms, content.form) ? forms[content.form] : undefined;
    if (!handler || content?.type !== 'form') return next();
    await handler(turn, content);
  };
}
