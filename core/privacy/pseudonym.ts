import { createHash, createHmac } from 'node:crypto';
import type { WorkspaceConfig } from '../config/schema.js';

/**
 * A stable pseudonym for a person's identifier: the same identifier maps to the same pseudonym
 * (so the request log, the audit log and anonymised consent proof can be matched to a later
 * request of the same person), and back to nobody. Keyed with the workspace's
 * `privacy.pseudonymKey` (HMAC-SHA256): without the key nobody can test a guessed phone number
 * against it. Without a key it is a plain hash salted with the workspace id, which a determined
 * guesser can test: set the key in production (the demo does).
 */
export function pseudonym(workspace: Pick<WorkspaceConfig, 'id' | 'privacy'>, value: string): string {
  const key = workspace.privacy.pseudonymKey;
  const digest = key
    ? createHmac('sha256', key).update(`${workspace.id}\u0000${value}`).digest('hex')
    : createHash('sha256').update(`${workspace.id}\u0000${value}`).digest('hex');
  return `anon_${digest.slice(0, 24)}`;
}
