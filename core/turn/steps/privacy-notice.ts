import type { PrivacyConfig } from '../../config/schema.js';
import { noticeText } from '../../privacy/notice.js';
import type { Reply } from '../../responder.js';
import type { TurnStep } from '../types.js';

/**
 * The data-processing notice, as the first reply to a contact who has not seen its current
 * version. Not on channels whose client shows it itself (`capabilities.showsNotice`: the widget
 * records it through `ctx.consent`), and not on idle turns, which answer nobody's message.
 * The commit records the showing in the ledger, with the reply that carried it as proof.
 */
export const privacyNotice: TurnStep = async (turn, next) => {
  const notice = turn.inbound && !turn.capabilities?.showsNotice ? pendingNotice(turn.workspace.privacy, turn.contact.noticeVersion) : undefined;
  if (notice) {
    turn.collected.replies.unshift(notice);
    turn.collected.noticeVersion = turn.workspace.privacy.notice!.version;
  }
  await next();
};

/** The notice as people read it (core/privacy/notice.ts), unless `seenVersion` is current. */
function pendingNotice(privacy: PrivacyConfig, seenVersion: string | undefined): Reply | undefined {
  if (!privacy.notice || seenVersion === privacy.notice.version) return undefined;
  return { text: noticeText(privacy)!, sender: 'system' };
}
