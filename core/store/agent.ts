import { createHash } from 'node:crypto';
import { Schema, model } from 'mongoose';
import { privacyContract } from '../privacy/contract.js';
import { scalarFieldFilters } from './scalar-filters.js';

export const agentRoles = ['owner', 'admin', 'agent'] as const;
export type AgentRole = (typeof agentRoles)[number];

/** An agent's id, from their workspace and sign-in e-mail: sign-in finds them by `_id`, the look-up FerretDB v1 answers from an index. */
export function agentId(workspace: string, email: string): string {
  return `ag_${createHash('sha256').update(`${workspace}\u0000${email.toLowerCase()}`).digest('hex').slice(0, 32)}`;
}

/** A person who answers chats in the console: one workspace, one role. */
const agentSchema = new Schema(
  {
    _id: { type: String, required: true },
    workspace: { type: String, required: true },
    /** Signs in with it; never shown to contacts (they see `displayName`). Lower-cased. */
    email: { type: String, required: true },
    displayName: { type: String, required: true },
    role: { type: String, enum: agentRoles, required: true },
    /** argon2id (core/agents/passwords.ts). */
    passwordHash: { type: String, required: true },
    disabled: { type: Boolean },
    /** Failed sign-ins in a row; at the limit the account locks until `lockedUntil`. */
    failedSignIns: { type: Number, default: 0 },
    lockedUntil: { type: Date },
    lastSignInAt: { type: Date },
    /** The second factor's secret (base32, core/agents/totp.ts), when the agent turned it on: sign-in then needs a code. */
    totpSecret: { type: String },
    /** The workspace's teams (config `teams`) whose handoffs they answer. */
    teams: { type: [String], default: undefined },
    /** Most open conversations they hold at once; unset: the workspace's `routing.capacity`. */
    capacity: { type: Number },
  },
  { timestamps: true, versionKey: false },
);

agentSchema.plugin(scalarFieldFilters);
export const Agent = model('Agent', agentSchema, 'agents');

/** Privacy contract (see core/privacy/contract.ts). */
export const agentPrivacy = privacyContract({
  store: { mongodb: 'agents' },
  purpose: "the workspace's agents: who may sign in to the console, with which role",
  personal: ['email', 'displayName', 'passwordHash'],
  findBy: '`_id` (agentId of workspace and e-mail), or `email`',
  erasure: { action: 'delete' },
  retention: { none: 'kept while the account exists; `switchboard agents disable` ends sign-in' },
});
