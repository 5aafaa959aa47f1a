import type { TurnStep } from '../types.js';

/**
 * When the hub removed something from the message as it arrived (a card number: see
 * core/privacy/redact.ts), the workspace's `privacy.redaction.reply` answers it, before the bot,
 * so the person knows it was not kept and is asked not to send it here.
 */
export const redactionReply: TurnStep = async (turn, next) => {
  const reply = turn.workspace.privacy.redaction.reply;
  if (reply && turn.inbound?.redacted?.length) turn.collected.replies.push({ text: reply, sender: 'system' });
  await next();
};
