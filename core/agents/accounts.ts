import { randomBytes } from 'node:crypto';
import { audit, type Actor } from '../privacy/audit.js';
import { disableTotp, enableTotp } from './totp.js';
import { Agent, agentId, type AgentRole } from '../store/agent.js';
import { normaliseEmail } from '../validate/contact-fields.js';
import { hashPassword } from './passwords.js';

/** A bad e-mail, a duplicate, an unknown agent: the message says which. */
export class AgentError extends Error {}

export interface AgentRow {
  id: string;
  email: string;
  displayName: string;
  role: AgentRole;
  disabled: boolean;
  lockedUntil?: Date;
  lastSignInAt?: Date;
  /** Whether sign-in needs a one-time code too. */
  secondFactor: boolean;
  teams: string[];
  /** Their own capacity; undefined: the workspace's `routing.capacity`. */
  capacity?: number;
}

/** A password to hand over once: 20 random characters, URL-safe. */
export function generatedPassword(): string {
  return randomBytes(15).toString('base64url');
}

function email(value: string): string {
  const normalised = normaliseEmail(value)?.toLowerCase();
  if (!normalised) throw new AgentError(`"${value}" is not an e-mail address`);
  return normalised;
}

/** The id of the agent who signs in with this e-mail (checked and normalised as at sign-up). */
export function agentIdOf(workspace: string, address: string): string {
  return agentId(workspace, email(address));
}

async function existing(workspace: string, address: string) {
  const agent = await Agent.findById(agentId(workspace, email(address))).lean();
  if (!agent) throw new AgentError(`no agent ${address} in workspace "${workspace}"`);
  return agent;
}

/** Adds an agent; resolves to their password (the one given, or a generated one to hand over once). */
export async function addAgent(at: {
  workspace: string;
  email: string;
  displayName: string;
  role: AgentRole;
  password?: string;
  actor: Actor;
}): Promise<string> {
  const address = email(at.email);
  const password = at.password ?? generatedPassword();
  const _id = agentId(at.workspace, address);
  if (await Agent.exists({ _id })) throw new AgentError(`${address} is an agent of workspace "${at.workspace}" already`);
  await Agent.create({
    _id,
    workspace: at.workspace,
    email: address,
    displayName: at.displayName.trim(),
    role: at.role,
    passwordHash: await hashPassword(password),
  });
  await audit({ workspace: at.workspace, actor: at.actor, action: 'agent.added', target: _id, details: { role: at.role } });
  return password;
}

export async function listAgents(workspace: string): Promise<AgentRow[]> {
  return (await Agent.find({ workspace }).sort({ email: 1 }).lean()).map((a) => ({
    id: a._id,
    email: a.email,
    displayName: a.displayName,
    role: a.role,
    disabled: a.disabled === true,
    ...(a.lockedUntil && a.lockedUntil > new Date() ? { lockedUntil: a.lockedUntil } : {}),
    ...(a.lastSignInAt ? { lastSignInAt: a.lastSignInAt } : {}),
    secondFactor: Boolean(a.totpSecret),
    teams: a.teams ?? [],
    ...(typeof a.capacity === 'number' ? { capacity: a.capacity } : {}),
  }));
}

/** Ends an agent's sign-in (their sessions end at their next request: see sessions.ts). */
export async function disableAgent(at: { workspace: string; email: string; actor: Actor }): Promise<void> {
  const agent = await existing(at.workspace, at.email);
  await Agent.updateOne({ _id: agent._id }, { $set: { disabled: true } });
  await audit({ workspace: at.workspace, actor: at.actor, action: 'agent.disabled', target: agent._id });
}

/**
 * Turns an agent's second factor on (resolves to the `otpauth://` URI and secret to show once) or
 * off (resolves to undefined).
 */
export async function setSecondFactor(at: {
  workspace: string;
  email: string;
  on: boolean;
  actor: Actor;
}): Promise<{ uri: string; secret: string } | undefined> {
  const agent = await existing(at.workspace, at.email);
  if (at.on) return enableTotp({ agentId: agent._id, workspace: at.workspace, email: agent.email, actor: at.actor });
  await disableTotp({ agentId: agent._id, workspace: at.workspace, actor: at.actor });
  return undefined;
}

/** Sets a new password (given, or generated and resolved to hand over once), and lifts a lockout. */
export async function resetPassword(at: { workspace: string; email: string; password?: string; actor: Actor }): Promise<string> {
  const agent = await existing(at.workspace, at.email);
  const password = at.password ?? generatedPassword();
  await Agent.updateOne({ _id: agent._id }, { $set: { passwordHash: await hashPassword(password), failedSignIns: 0 }, $unset: { lockedUntil: 1 } });
  await audit({ workspace: at.workspace, actor: at.actor, action: 'agent.password_reset', target: agent._id });
  return password;
}
