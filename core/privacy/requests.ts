import { Types } from 'mongoose';
import { PrivacyRequest, type RequestKind } from '../store/privacy-request.js';
import { audit, type Actor } from './audit.js';
import { after } from './duration.js';

/** Answered within one month of receipt (Art. 12(3)), extendable once by two more months with a reason. */
const due = { amount: 1, unit: 'mo' } as const;
const extension = { amount: 3, unit: 'mo' } as const;

/** A request id that names no request of the workspace, or one that cannot change so. */
export class RequestError extends Error {}

export interface RequestRow {
  id: string;
  kind: RequestKind;
  subject: string;
  status: 'open' | 'in_progress' | 'done' | 'refused';
  receivedAt: Date;
  dueAt: Date;
  extendedUntil?: Date;
  extensionReason?: string;
  receivedBy: string;
  handledBy?: string;
  finishedAt?: Date;
  outcome?: unknown;
  overdue: boolean;
}

/** Logs a request as received, to be handled later (its deadline runs from `receivedAt`). */
export async function logRequest(at: { workspace: string; kind: RequestKind; subject: string; actor: Actor; receivedAt?: Date }): Promise<string> {
  const receivedAt = at.receivedAt ?? new Date();
  const request = await PrivacyRequest.create({
    workspace: at.workspace,
    kind: at.kind,
    subject: at.subject,
    status: 'open',
    receivedAt,
    dueAt: after(receivedAt, due),
    receivedBy: at.actor,
  });
  await audit({
    workspace: at.workspace,
    actor: at.actor,
    action: 'request.logged',
    target: at.subject,
    details: { request: String(request._id), kind: at.kind },
  });
  return String(request._id);
}

/**
 * Starts handling a request: the oldest open one of this kind for this person if one was logged,
 * else a new one received now. Resolves to its id.
 */
export async function startRequest(at: { workspace: string; kind: RequestKind; subject: string; actor: Actor; pending?: unknown }): Promise<string> {
  const open = await PrivacyRequest.findOne({ workspace: at.workspace, kind: at.kind, subject: at.subject, status: 'open' }).sort({ receivedAt: 1 }).lean();
  const set = { status: 'in_progress' as const, handledBy: at.actor, ...(at.pending ? { pending: at.pending } : {}) };
  if (open) {
    await PrivacyRequest.updateOne({ _id: open._id }, { $set: set });
    return String(open._id);
  }
  const now = new Date();
  const request = await PrivacyRequest.create({
    workspace: at.workspace,
    kind: at.kind,
    subject: at.subject,
    receivedAt: now,
    dueAt: after(now, due),
    receivedBy: at.actor,
    ...set,
  });
  return String(request._id);
}

/** Ends a request with its outcome (counts, never content); an erasure's `pending` goes with it. */
export async function finishRequest(id: string, outcome: unknown, status: 'done' | 'refused' = 'done'): Promise<void> {
  await PrivacyRequest.updateOne({ _id: id }, { $set: { status, outcome, finishedAt: new Date() }, $unset: { pending: 1 } });
}

/** Extends a request's deadline to three months after receipt, once, with the reason (Art. 12(3)). */
export async function extendRequest(at: { workspace: string; id: string; reason: string; actor: Actor }): Promise<Date> {
  if (!Types.ObjectId.isValid(at.id)) throw new RequestError(`"${at.id}" is not a request id`);
  const request = await PrivacyRequest.findById(at.id).lean();
  if (!request || request.workspace !== at.workspace) throw new RequestError(`no request ${at.id} in workspace "${at.workspace}"`);
  if (request.status === 'done' || request.status === 'refused') throw new RequestError(`request ${at.id} is ${request.status} already`);
  if (request.extension?.until)
    throw new RequestError(`request ${at.id} was extended already, until ${request.extension.until.toISOString().slice(0, 10)} (once only, Art. 12(3))`);
  if (!at.reason.trim()) throw new RequestError('an extension needs its reason, which the person must be told (Art. 12(3))');
  const until = after(request.receivedAt, extension);
  await PrivacyRequest.updateOne({ _id: request._id }, { $set: { 'extension.until': until, 'extension.reason': at.reason.trim() } });
  await audit({
    workspace: at.workspace,
    actor: at.actor,
    action: 'request.extended',
    target: request.subject ?? undefined,
    details: { request: at.id, until },
  });
  return until;
}

const unfinished = { $in: ['open' as const, 'in_progress' as const] };

/** Past its deadline (the extended one, if extended) and not finished. */
function isOverdue(r: { status: string; dueAt: Date; extension?: { until?: Date | null } | null }, now: Date): boolean {
  return (r.status === 'open' || r.status === 'in_progress') && (r.extension?.until ?? r.dueAt) < now;
}

/** A workspace's requests, newest first; `overdue`: only the unfinished ones past their deadline. */
export async function listRequests(workspace: string, options: { overdue?: boolean; now?: Date; limit?: number } = {}): Promise<RequestRow[]> {
  const now = options.now ?? new Date();
  const requests = (
    await PrivacyRequest.find({ workspace, ...(options.overdue ? { status: unfinished } : {}) })
      .sort({ receivedAt: -1 })
      .limit(options.limit ?? 500)
      .lean()
  ).filter((r) => !options.overdue || isOverdue(r, now));
  return requests.map((r) => {
    return {
      id: String(r._id),
      kind: r.kind,
      subject: r.subject ?? '(anonymised)',
      status: r.status,
      receivedAt: r.receivedAt,
      dueAt: r.dueAt,
      ...(r.extension?.until ? { extendedUntil: r.extension.until, extensionReason: r.extension.reason ?? '' } : {}),
      receivedBy: r.receivedBy,
      ...(r.handledBy ? { handledBy: r.handledBy } : {}),
      ...(r.finishedAt ? { finishedAt: r.finishedAt } : {}),
      ...(r.outcome !== undefined ? { outcome: r.outcome } : {}),
      overdue: isOverdue(r, now),
    };
  });
}

/** Unfinished requests past their deadline, per workspace (the `switchboard_privacy_requests_overdue` gauge). */
export async function overdueCounts(now = new Date()): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const r of await PrivacyRequest.find({ status: unfinished }, { workspace: 1, status: 1, dueAt: 1, extension: 1 }).lean()) {
    if (isOverdue(r, now)) counts.set(r.workspace, (counts.get(r.workspace) ?? 0) + 1);
  }
  return counts;
}
