import { createHash } from 'node:crypto';
import type { PrivacyConfig, WorkspaceConfig } from './config/schema.js';
import { recordConsent } from './consent.js';
import type { InboundMessage } from './message.js';
import type { Reply, TurnOutcome } from './responder.js';

/**
 * STOP and START, on every channel, before any bot sees the message: a STOP is
 * recorded in the consent ledger (with the message as proof) and confirmed, and
 * from then on the contact's messages are stored but nothing is sent, until START.
 *
 * Returns the turn's outcome when the gate handled the message, else undefined.
 */
export async function consentGate(args: { id: string; inbound: InboundMessage; workspace: WorkspaceConfig; stopped: boolean }): Promise<TurnOutcome | undefined> {
  const { id, inbound, workspace, stopped } = args;
  const { keywords, texts } = workspace.privacy;
  const said = inbound.content.type === 'text' ? inbound.content.text.trim().toLowerCase() : undefined;
  const record = (granted: boolean) =>
    recordConsent({
      address: inbound.address,
      purpose: 'messaging',
      granted,
      textVersion: 'keyword',
      text: inbound.content.type === 'text' ? inbound.content.text : undefined,
      evidence: { source: 'keyword', key: id, messageId: id },
      at: new Date(inbound.receivedAt),
    });
  if (said !== undefined && keywords.stop.includes(said)) {
    await record(false);
    return { replies: [{ text: texts.stopped, sender: 'system' }] };
  }
  if (said !== undefined && stopped && keywords.start.includes(said)) {
    await record(true);
    return { replies: [{ text: texts.started, sender: 'system' }] };
  }
  // Stopped: kept for the record (and for agents), answered by nobody.
  if (stopped) return { replies: [] };
  return undefined;
}

/** The data-processing notice a contact has not seen in its current version, as the first reply of the turn. */
export function pendingNotice(privacy: PrivacyConfig, seenVersion: string | undefined): Reply | undefined {
  const notice = privacy.notice;
  if (!notice || seenVersion === notice.version) return undefined;
  const link = privacy.policyUrl ?? '';
  const text = notice.text.includes('{policyUrl}') ? notice.text.replaceAll('{policyUrl}', link) : link ? `${notice.text}\n${link}` : notice.text;
  return { text, sender: 'system' };
}

/** Records that the notice was shown (proof: the reply that carried it). Idempotent by the reply's id. */
export async function recordNoticeShown(inbound: InboundMessage, privacy: PrivacyConfig, noticeText: string, replyMessageId: string): Promise<void> {
  await recordConsent({
    address: inbound.address,
    purpose: 'notice',
    granted: true,
    textVersion: privacy.notice!.version,
    text: noticeText,
    evidence: { source: 'first-contact', key: replyMessageId, messageId: replyMessageId },
  });
}

/** A version for a consent question's text, so the ledger says which wording a person agreed to. */
export function textVersion(text: string): string {
  return `sha256:${createHash('sha256').update(text).digest('hex').slice(0, 16)}`;
}
