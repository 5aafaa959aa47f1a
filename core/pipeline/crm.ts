import type { Job } from 'bullmq';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { ChannelApiError } from '../errors.js';
import type { CrmJob } from '../queue/queues.js';
import { sign, signatureHeader } from '../signature.js';
import { inWorkspace } from '../store/in-workspace.js';
import { Lead } from '../store/lead.js';

/**
 * POSTs one lead to its workspace's CRM webhook, signed like the api channel.
 * Any non-2xx or network failure is retried by the queue with backoff; the
 * outcome is recorded on the lead.
 */
export async function deliverLead(options: { config: Config; logger: Logger }, job: Job<CrmJob>): Promise<void> {
  const { workspace, leadId } = job.data;
  const crm = options.config.workspaces.find((w) => w.id === workspace)?.crm;
  const lead = inWorkspace(await Lead.findById(leadId).lean(), workspace);
  if (!crm || !lead || lead.crm?.status === 'sent') return;
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
    const res = await fetch(crm.webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [signatureHeader]: sign(body, crm.secret) },
      body,
      signal: AbortSignal.timeout(10_000),
    });
    await res.arrayBuffer().catch(() => undefined);
    if (!res.ok) throw new ChannelApiError({ message: `CRM webhook answered ${res.status}`, status: res.status, retryable: true });
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
