import { AuditEntry } from '../store/audit-entry.js';

/** Who did it: `cli`, `schedule`, or an API key's id (`key:…`). */
export type Actor = string;

export interface AuditInput {
  workspace: string;
  actor: Actor;
  action: string;
  /** A pseudonym, a request id or a run id: never an identifier. */
  target?: string;
  /** Counts and ids only, never content. */
  details?: Record<string, unknown>;
  at?: Date;
}

/** Appends one entry to the audit log (append-only: nothing updates an entry). */
export async function audit(entry: AuditInput): Promise<void> {
  await AuditEntry.create({ ...entry, at: entry.at ?? new Date() });
}

export interface AuditRow {
  id: string;
  at: Date;
  actor: string;
  action: string;
  target?: string;
  details?: Record<string, unknown>;
}

/** A workspace's audit entries, newest first. */
export async function listAudit(workspace: string, options: { since?: Date; limit?: number } = {}): Promise<AuditRow[]> {
  const entries = await AuditEntry.find({ workspace, ...(options.since ? { at: { $gte: options.since } } : {}) })
    .sort({ at: -1 })
    .limit(options.limit ?? 200)
    .lean();
  return entries.map((e) => ({
    id: String(e._id),
    at: e.at,
    actor: e.actor,
    action: e.action,
    ...(e.target ? { target: e.target } : {}),
    ...(e.details ? { details: e.details as Record<string, unknown> } : {}),
  }));
}
