import type { WorkspaceConfig } from '../config/schema.js';
import type { Queues } from '../queue/queues.js';
import { Lead } from '../store/lead.js';

/** The consent purpose of news and offers: what STOP, the widget's "Stop news and offers" and an objection withdraw. */
export const marketingPurpose = 'marketing';

/**
 * Carries a withdrawn marketing consent through to what was built on it: the person's stored
 * leads that had marketing consent are marked withdrawn, and the CRM, which received those
 * leads, is told by a signed `consent` notice (GDPR Art. 7(3), 19). `eventId` makes the notice
 * idempotent (a retried turn posts it once). Resolves to the leads changed.
 */
export async function followMarketingWithdrawal(at: {
  workspace: WorkspaceConfig;
  queues: Queues;
  contact: string;
  eventId: string;
  now?: Date;
}): Promise<string[]> {
  const filter = { workspace: at.workspace.id, contact: at.contact, 'consent.purpose': marketingPurpose, 'consent.granted': true };
  const leads = (await Lead.find(filter, { _id: 1 }).lean()).map((l) => l._id);
  if (!leads.length) return [];
  const now = at.now ?? new Date();
  await Lead.updateMany({ _id: { $in: leads } }, { $set: { 'consent.granted': false, 'consent.withdrawnAt': now } });
  if (at.workspace.crm) {
    await at.queues.enqueueCrm([
      {
        workspace: at.workspace.id,
        notice: { id: `consent-${at.eventId}`, event: 'consent', purpose: marketingPurpose, granted: false, leads, at: now.toISOString() },
      },
    ]);
  }
  return leads;
}
