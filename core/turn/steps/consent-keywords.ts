import { marketingPurpose } from '../../privacy/marketing.js';
import type { TurnStep } from '../types.js';

/**
 * STOP and START, on every channel, before anything else sees the message: each is recorded in
 * the consent ledger (the message is the proof) and confirmed. STOP also withdraws marketing. After STOP the contact's messages
 * are still stored (for the record and for agents) but nothing is sent, not even an idle
 * reminder, until START.
 */
export const consentKeywords: TurnStep = async (turn, next) => {
  const { keywords, texts } = turn.workspace.privacy;
  const content = turn.inbound?.content;
  const said = content?.type === 'text' ? content.text.trim().toLowerCase() : undefined;
  const keyword = (granted: boolean, confirmation: string) => {
    const said = content?.type === 'text' ? { text: content.text } : {};
    turn.collected.consents.push({
      purpose: 'messaging',
      granted,
      textVersion: 'keyword',
      ...said,
      evidence: { source: 'keyword', key: turn.id, messageId: turn.id },
    });
    // STOP withdraws news and offers too (START does not give them back: that takes an opt-in of its own).
    if (!granted) {
      turn.collected.consents.push({
        purpose: marketingPurpose,
        granted,
        textVersion: 'keyword',
        ...said,
        evidence: { source: 'keyword', key: `${turn.id}:marketing`, messageId: turn.id },
      });
    }
    turn.collected.replies.push({ text: confirmation, sender: 'system' });
  };
  if (said !== undefined && keywords.stop.includes(said)) return keyword(false, texts.stopped);
  if (said !== undefined && turn.contact.stopped && keywords.start.includes(said)) return keyword(true, texts.started);
  if (turn.contact.stopped) return; // answered by nobody
  await next();
};
