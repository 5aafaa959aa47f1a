import { createHash } from 'node:crypto';
import type { WorkspaceConfig } from '../config/schema.js';
import { AuditEntry } from '../store/audit-entry.js';
import { audit } from './audit.js';

/** A fingerprint of a workspace's privacy policy as configured (the pseudonym key left out: a secret, and not policy). */
export function policyFingerprint(workspace: WorkspaceConfig): string {
  const { pseudonymKey: _key, ...policy } = workspace.privacy;
  return createHash('sha256').update(JSON.stringify(policy)).digest('hex').slice(0, 16);
}

/**
 * Records a change of a workspace's privacy policy (notice, retention, redaction, erasure
 * options) in the audit log, noticed when a process starts with a config whose policy differs
 * from the last one recorded. Several processes starting together may each record it; the
 * entries say the same.
 */
export async function auditPolicyChanges(workspaces: readonly WorkspaceConfig[]): Promise<void> {
  for (const workspace of workspaces) {
    const fingerprint = policyFingerprint(workspace);
    const last = await AuditEntry.findOne({ workspace: workspace.id, action: 'policy.changed' }).sort({ at: -1 }).lean();
    if ((last?.details as { fingerprint?: string } | undefined)?.fingerprint === fingerprint) continue;
    const retention = workspace.privacy.retention;
    await audit({
      workspace: workspace.id,
      actor: 'config',
      action: 'policy.changed',
      details: {
        fingerprint,
        ...(last ? { previous: (last.details as { fingerprint?: string }).fingerprint } : {}),
        notice: workspace.privacy.notice?.version ?? null,
        retention: retention ? Object.fromEntries(Object.entries(retention).filter(([k]) => k !== 'channels')) : null,
      },
    });
  }
}
