import { createHash } from 'node:crypto';
import type { Types } from 'mongoose';
import type { WorkspaceConfig } from '../config/schema.js';
import type { Queues } from '../queue/queues.js';
import { Email, type EmailKind } from '../store/email.js';
import { insertIgnoringDuplicates } from '../turn/documents.js';

export interface EmailRequest {
  kind: EmailKind;
  to: string;
  /** What asked for it (a turn, a lead, a close): the same key queues it once. */
  key: string;
  conversation?: Types.ObjectId | string;
  contact?: string;
  lead?: string;
  locale?: string;
}

export const emailId = (workspace: string, kind: EmailKind, key: string) =>
  `em_${createHash('sha256').update(`${workspace}\u0000${kind}\u0000${key}`).digest('hex').slice(0, 32)}`;

/** Whether the workspace sends e-mail (it has `email`; the relay may be the deployment's). */
export const sendsEmail = (workspace: WorkspaceConfig) => Boolean(workspace.email);

/** Logs e-mails as queued and queues their sending (the side-job queue retries it); a repeated request is one e-mail. */
export async function queueEmails(queues: Queues, workspace: WorkspaceConfig, requests: readonly EmailRequest[]): Promise<void> {
  if (!requests.length || !sendsEmail(workspace)) return;
  const docs = requests.map((r) => ({
    _id: emailId(workspace.id, r.kind, r.key),
    workspace: workspace.id,
    kind: r.kind,
    to: r.to,
    ...(r.conversation ? { conversation: r.conversation } : {}),
    ...(r.contact ? { contact: r.contact } : {}),
    ...(r.lead ? { lead: r.lead } : {}),
    ...(r.locale ? { locale: r.locale } : {}),
    status: 'queued' as const,
    attempts: 0,
  }));
  await insertIgnoringDuplicates(docs, Email);
  await queues.enqueueCrm(docs.map((d) => ({ workspace: workspace.id, email: d._id })));
}

/** The workspace's latest e-mails, newest first, as the console lists them (never the bodies: they are not kept). */
export async function latestEmails(workspace: string, limit = 100) {
  const docs = await Email.find({ workspace }).sort({ createdAt: -1 }).limit(limit).lean();
  return docs.map((e) => ({
    id: e._id,
    kind: e.kind,
    to: e.to,
    ...(e.conversation ? { conversation: String(e.conversation) } : {}),
    status: e.status,
    attempts: e.attempts ?? 0,
    ...(e.error ? { error: e.error } : {}),
    createdAt: e.createdAt,
    ...(e.sentAt ? { sentAt: e.sentAt } : {}),
  }));
}
