import { Secret, TOTP } from 'otpauth';
import type { Actor } from '../privacy/audit.js';
import { audit } from '../privacy/audit.js';
import { Agent } from '../store/agent.js';

/**
 * The optional second factor: a time-based one-time code (RFC 6238: 6 digits, 30 s, SHA-1, what
 * every authenticator app reads from the QR code of the `otpauth://` URI).
 */
const totpOf = (secret: string, label = 'agent') => new TOTP({ issuer: 'Switchboard', label, secret: Secret.fromBase32(secret), digits: 6, period: 30 });

/** Whether `code` is the agent's current code (or the one before or after, for clocks a little off). */
export function totpMatches(secret: string, code: string): boolean {
  return /^\d{6}$/.test(code.trim()) && totpOf(secret).validate({ token: code.trim(), window: 1 }) !== null;
}

/** The current code (for tests and for a CLI check). */
export function currentTotp(secret: string): string {
  return totpOf(secret).generate();
}

/**
 * Turns the second factor on for an agent: a new secret, stored on the agent; resolves to the
 * `otpauth://` URI to show once (as a QR code or typed into the app). From then on sign-in needs a code.
 */
export async function enableTotp(at: { agentId: string; workspace: string; email: string; actor: Actor }): Promise<{ uri: string; secret: string }> {
  const secret = new Secret({ size: 20 }).base32;
  await Agent.updateOne({ _id: at.agentId }, { $set: { totpSecret: secret } });
  await audit({ workspace: at.workspace, actor: at.actor, action: 'agent.totp_enabled', target: at.agentId });
  return { uri: totpOf(secret, `${at.workspace}:${at.email}`).toString(), secret };
}

export async function disableTotp(at: { agentId: string; workspace: string; actor: Actor }): Promise<void> {
  await Agent.updateOne({ _id: at.agentId }, { $unset: { totpSecret: 1 } });
  await audit({ workspace: at.workspace, actor: at.actor, action: 'agent.totp_disabled', target: at.agentId });
}
