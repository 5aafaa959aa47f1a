import type { Job } from 'bullmq';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import type { CrmJob, CrmNotice } from '../queue/queues.js';
import { Contact } from '../store/contact.js';
import { inWorkspace } from '../store/in-workspace.js';
import { Lead } from '../store/lead.js';
import { postSigned } from './signed-post.js';
import { deliverEvent } from './event-webhook.js';
import { deliverEmail } from '../email/send.js';

/**
 * POSTs one lead to its workspace's CRM webhook, signed like the api channel.
 * Any non-2xx or network failure is retried by the queue with backoff; the
 * outcome is recorded on the lead.
 */
export async function deliverLead(options: { config: Config; logger: Logger }, job: Job<CrmJob>): Promise<void> {
  if (job.data.notice) return deliverNotice(options, job.data.workspace, job.data.notice);
  if (job.data.event) return deliverEvent(options, job.data.workspace, job.data.event);
  if (job.data.email)
    return deliverEmail(options, { workspace: job.data.workspace, email: job.data.email, attemptsMade: job.attemptsMade, attempts: job.opts.attempts ?? 1 });
  const { workspace, leadId } = job.data;
  const ws = options.config.workspaces.find((w) => w.id === workspace);
  const crm = ws?.crm;
  const lead = inWorkspace(await Lead.findById(leadId).lean(), workspace);
  if (!ws || !crm || !lead || lead.crm?.status === 'sent') return;
  // Processing restricted (Art. 18): nothing goes to the CRM; the lead waits for the restriction to lift.
  if (await Contact.exists({ _id: lead.contact, restricted: true })) {
    await Lead.updateOne({ _id: leadId }, { $set: { 'crm.status': 'held' } });
    return;
  }
  const body = JSON.stringify({
    id: lead._id,
    workspace,
    flow: lead.flow,
    form: lead.form,
    channel: lead.channel,
    account: lead.account,
    conversation: String(lead.conversation),
    fields: lead.fields,
    consent: lead.consent ?? null,
    createdAt: lead.createdAt,
  });
  const attempts = job.attemptsMade + 1;
  try {
    await postSigned({ workspace: ws, target: crm, body, what: 'CRM webhook' });
  } catch (err) {
    const last = attempts >= (job.opts.attempts ?? 1);
    await Lead.updateOne(
      { _id: leadId },
      { $set: { 'crm.status': last ? 'failed' : 'queued', 'crm.attempts': attempts, 'crm.error': (err as Error).message } },
    );
    options.logger.warn({ leadId, attempts, err: (err as Error).message }, 'CRM delivery failed');
    throw err;
  }
  await Lead.updateOne({ _id: leadId }, { $set: { 'crm.status': 'sent', 'crm.attempts': attempts, 'crm.sentAt': new Date() }, $unset: { 'crm.error': 1 } });
}

/**
 * Tells the CRM of an erasure or a consent change about leads it received (Art. 19), signed like
 * leads: `{"event": "erasure", "leads": [...], ...}`. The CRM finds its records by those ids.
 */
async function deliverNotice(options: { config: Config; logger: Logger }, workspace: string, notice: CrmNotice): Promise<void> {
  const ws = options.config.workspaces.find((w) => w.id === workspace);
  const crm = ws?.crm;
  if (!ws || !crm) return;
  try {
    await postSigned({ workspace: ws, target: crm, body: JSON.stringify({ ...notice, workspace }), what: 'CRM webhook' });
  } catch (err) {
    options.logger.warn({ notice: notice.id, event: notice.event, err: (err as Error).message }, 'CRM notice failed');
    throw err;
  }
}
