import type { Redis } from 'ioredis';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import type { Config } from '../config/schema.js';
import { audit } from '../privacy/audit.js';
import { privacyContract } from '../privacy/contract.js';
import { Agent, agentId } from '../store/agent.js';
import { verifyPassword } from './passwords.js';
import { totpMatches } from './totp.js';
import { Sessions, type Session } from './sessions.js';

export type SignInResult =
  | { ok: true; token: string; session: Session; displayName: string }
  /**
   * `wrong`: unknown e-mail, wrong password, wrong one-time code or disabled account (never which);
   * `code_required`: the password was right and the agent has a second factor; `locked` with when
   * it opens again; `limited`: too many attempts from the address.
   */
  | { ok: false; reason: 'wrong' | 'code_required' | 'locked' | 'limited'; retryAfterSeconds?: number };

/**
 * Agents' sign-in: argon2id passwords; an account locks after `console.lockout.failures` wrong
 * passwords in a row for `lockout.minutes`; and each client address gets
 * `console.attemptsPerAddress` attempts per 15 minutes across all accounts (rate-limiter-flexible
 * on Redis, so the limit holds across hub processes). Every sign-in and lockout lands in the
 * audit log. An unknown e-mail costs the same as a wrong password and answers the same.
 */
export class SignIn {
  readonly sessions: Sessions;
  private readonly perAddress: RateLimiterRedis;

  constructor(
    private readonly config: Config,
    redis: Redis,
  ) {
    this.sessions = new Sessions(redis, config.redis.prefix, config.console.sessionIdleMinutes * 60_000);
    this.perAddress = new RateLimiterRedis({
      storeClient: redis,
      keyPrefix: `${config.redis.prefix}:signin`,
      points: config.console.attemptsPerAddress,
      duration: 15 * 60,
    });
  }

  async signIn(at: { workspace: string; email: string; password: string; code?: string; address: string }): Promise<SignInResult> {
    try {
      await this.perAddress.consume(at.address);
    } catch (res) {
      return { ok: false, reason: 'limited', retryAfterSeconds: Math.ceil(((res as { msBeforeNext?: number }).msBeforeNext ?? 60_000) / 1000) };
    }
    const id = agentId(at.workspace, at.email.trim());
    const agent = await Agent.findById(id).lean();
    const now = new Date();
    if (agent?.lockedUntil && agent.lockedUntil > now) {
      return { ok: false, reason: 'locked', retryAfterSeconds: Math.ceil((agent.lockedUntil.getTime() - now.getTime()) / 1000) };
    }
    const matches = await verifyPassword(agent?.workspace === at.workspace ? agent.passwordHash : undefined, at.password);
    if (!agent || !matches || agent.disabled) {
      if (agent && !matches) await this.failed(agent._id, at.workspace, (agent.failedSignIns ?? 0) + 1);
      return { ok: false, reason: 'wrong' };
    }
    // The second factor: asked for only once the password is right; a wrong code counts as a wrong password.
    if (agent.totpSecret) {
      if (!at.code) return { ok: false, reason: 'code_required' };
      if (!totpMatches(agent.totpSecret, at.code)) {
        await this.failed(agent._id, at.workspace, (agent.failedSignIns ?? 0) + 1);
        return { ok: false, reason: 'wrong' };
      }
    }
    await Agent.updateOne({ _id: agent._id }, { $set: { failedSignIns: 0, lastSignInAt: now }, $unset: { lockedUntil: 1 } });
    const session: Session = { agent: agent._id, workspace: agent.workspace, role: agent.role };
    const token = await this.sessions.start(session);
    await audit({ workspace: agent.workspace, actor: `agent:${agent._id}`, action: 'agent.signed_in', target: agent._id });
    return { ok: true, token, session, displayName: agent.displayName };
  }

  /**
   * The session a request's cookie carries, if it is live and its agent still may sign in;
   * renewed for another idle period unless `renew: false` (a check the agent did not make).
   */
  async session(token: string | undefined, options: { renew?: boolean } = {}): Promise<Session | undefined> {
    const session = options.renew === false ? await this.sessions.peek(token) : await this.sessions.touch(token);
    if (!session) return undefined;
    const agent = await Agent.findById(session.agent, { disabled: 1, role: 1 }).lean();
    if (!agent || agent.disabled) {
      await this.sessions.end(token);
      return undefined;
    }
    return { ...session, role: agent.role };
  }

  private async failed(id: string, workspace: string, failures: number): Promise<void> {
    const { lockout } = this.config.console;
    if (failures < lockout.failures) {
      await Agent.updateOne({ _id: id }, { $set: { failedSignIns: failures } });
      return;
    }
    await Agent.updateOne({ _id: id }, { $set: { failedSignIns: 0, lockedUntil: new Date(Date.now() + lockout.minutes * 60_000) } });
    await audit({ workspace, actor: 'sign-in', action: 'agent.locked', target: id, details: { failures } });
  }
}

/** Privacy contract of the sign-in limiter (see core/privacy/contract.ts). */
export const signInLimitPrivacy = privacyContract({
  store: { redis: 'signin:*' },
  purpose: 'sign-in attempts per client address in the last 15 minutes',
  personal: ['the key ends in the client address'],
  findBy: 'signin:{address}',
  erasure: { action: 'expires', within: '15 minutes' },
  retention: { expires: '15 minutes' },
});
