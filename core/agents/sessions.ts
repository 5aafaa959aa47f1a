import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { privacyContract } from '../privacy/contract.js';
import type { AgentRole } from '../store/agent.js';

/** The cookie that carries an agent's session: httpOnly, SameSite=Strict (see http/console-auth.ts). */
export const sessionCookie = 'sb_session';

export interface Session {
  agent: string;
  workspace: string;
  role: AgentRole;
}

/**
 * Server-side sessions in Redis, so every hub process knows them and ending one ends it
 * everywhere. The key is a hash of the cookie's token: a copy of Redis holds no usable session.
 * A session lives `idleMs` from its last request.
 */
export class Sessions {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly idleMs: number,
  ) {}

  private key(token: string): string {
    return `${this.prefix}:session:${createHash('sha256').update(token).digest('hex')}`;
  }

  /** Starts a session; resolves to the token for the cookie. */
  async start(session: Session): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    await this.redis.set(this.key(token), JSON.stringify(session), 'PX', this.idleMs);
    return token;
  }

  /** The session of a token, renewed for another idle period; undefined when it ended or never was. */
  async touch(token: string | undefined): Promise<Session | undefined> {
    if (!token) return undefined;
    const raw = await this.redis.getex(this.key(token), 'PX', this.idleMs);
    if (!raw) return undefined;
    return JSON.parse(raw) as Session;
  }

  /** The session of a token without renewing it: for checks that are not the agent's doing (an open console's socket). */
  async peek(token: string | undefined): Promise<Session | undefined> {
    if (!token) return undefined;
    const raw = await this.redis.get(this.key(token));
    return raw ? (JSON.parse(raw) as Session) : undefined;
  }

  async end(token: string | undefined): Promise<void> {
    if (token) await this.redis.del(this.key(token));
  }
}

/** Privacy contract (see core/privacy/contract.ts). */
export const sessionPrivacy = privacyContract({
  store: { redis: 'session:*' },
  purpose: "an agent's signed-in session (agent id, workspace, role), keyed by a hash of the cookie's token",
  personal: ['the agent id'],
  findBy: 'the agent id in the value',
  erasure: { action: 'expires', within: 'console.sessionIdleMinutes' },
  retention: { expires: 'console.sessionIdleMinutes after the last request' },
});
