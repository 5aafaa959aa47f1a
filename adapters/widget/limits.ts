/**
 * The handshake's abuse limits (issue #14): open sockets and new visitors, per client key (a
 * keyed hash of the client's address group, client-key.ts) and per widget account, in Redis so
 * they bind across hub processes. Checked at the handshake and given back at close only: the
 * per-message path sends no Redis command for them.
 */
import type { Redis } from 'ioredis';
import { privacyContract } from '../../core/privacy/contract.js';
import type { WidgetAccountConfig } from './config.js';
import { NewVisitors } from './new-visitors.js';
import { OpenConnections } from './open-connections.js';

/** Redis key names of the limits (under the hub's prefix); `client` is a client key, never an address. */
export const limitKeys = {
  processes: (prefix: string) => `${prefix}:widget:conn:procs`,
  connectionsOfAddress: (prefix: string, account: string, client: string) => `${prefix}:widget:conn:addr:${account}:${client}`,
  connectionsOfAccount: (prefix: string, account: string) => `${prefix}:widget:conn:account:${account}`,
  /** rate-limiter-flexible adds `:{client}` / `:{account}`. */
  newVisitorsOfAddress: (prefix: string, account: string) => `${prefix}:widget:visitors:addr:${account}`,
  newVisitorsOfAccount: (prefix: string) => `${prefix}:widget:visitors:account`,
};

export type Admission =
  | { ok: true; release: () => void }
  | {
      ok: false;
      reason: string;
      limit: 'connections per address' | 'connections per account' | 'new visitors per address' | 'new visitors per account';
      retryAfterSeconds?: number;
    };

/** One process's limits for every widget account: one counter of open sockets, and each account's new-visitor windows. */
export class HandshakeLimits {
  private readonly connections: OpenConnections;
  private readonly newVisitors = new Map<string, NewVisitors>();

  constructor(private readonly options: { redis: Redis; prefix: string; accounts: readonly WidgetAccountConfig[] }) {
    this.connections = new OpenConnections({ redis: options.redis, processesKey: limitKeys.processes(options.prefix) });
    for (const a of options.accounts) {
      this.newVisitors.set(
        a.account,
        new NewVisitors({
          redis: options.redis,
          caps: { perAddress: a.limits.perAddress.newVisitors, perAccount: a.limits.perAccount.newVisitors },
          addressPrefix: limitKeys.newVisitorsOfAddress(options.prefix, a.account),
          accountPrefix: limitKeys.newVisitorsOfAccount(options.prefix),
        }),
      );
    }
  }

  /**
   * A socket for `client` on `account`: a place among the open connections first (a client at
   * its cap then spends no new-visitor allowance: a flood of sockets cannot use up the budget of
   * the visitors behind the same address), then, for a new visitor, one from each window. A
   * Redis failure throws (the caller refuses: without Redis no message could be queued anyway).
   */
  async admit(at: { account: WidgetAccountConfig; client: string; newVisitor: boolean }): Promise<Admission> {
    const { prefix } = this.options;
    const { account, limits } = at.account;
    const place = await this.connections.admit([
      { key: limitKeys.connectionsOfAddress(prefix, account, at.client), cap: limits.perAddress.connections },
      { key: limitKeys.connectionsOfAccount(prefix, account), cap: limits.perAccount.connections },
    ]);
    if (!place.ok) {
      return place.full === 0
        ? { ok: false, reason: 'too many connections from your network', limit: 'connections per address' }
        : { ok: false, reason: 'too many connections', limit: 'connections per account' };
    }
    if (!at.newVisitor) return place;
    const taken = await this.newVisitors
      .get(account)!
      .take({ client: at.client, account })
      .catch((err: unknown) => {
        place.release();
        throw err;
      });
    if (taken.ok) return place;
    place.release();
    return {
      ok: false,
      reason: 'too many new visitors, try again later',
      limit: taken.cap === 'address' ? 'new visitors per address' : 'new visitors per account',
      retryAfterSeconds: Math.max(1, Math.ceil(taken.retryAfterMs / 1000)),
    };
  }

  async stop(): Promise<void> {
    await this.connections.stop();
  }
}

/** Privacy contracts of the limits' Redis keys (see core/privacy/contract.ts). */
export const widgetLimitsPrivacy = [
  privacyContract({
    store: { redis: 'widget:conn:addr:*' },
    purpose: 'open widget sockets per client address group, per hub process, for the per-address cap',
    personal: ['the key ends in a keyed hash (HMAC with the account secret) of the client address group (IPv4 address, IPv6 /64)'],
    findBy: 'widget:conn:addr:{account}:{HMAC of the address group}; the address is never stored',
    erasure: { action: 'expires', within: '90 seconds after the address closes its last socket (at once on a clean close)' },
    retention: { expires: 'while the address has sockets open; 90 s after a crashed process last renewed its lease' },
  }),
  privacyContract({
    store: { redis: 'widget:conn:account:*' },
    purpose: 'open widget sockets per account, per hub process, for the per-account cap',
    personal: [],
    findBy: 'nothing of a person: counts per account and process',
    erasure: { action: 'none', why: 'counts only, no visitor or address' },
    retention: { expires: '90 s after the last process holding a socket renewed its lease' },
  }),
  privacyContract({
    store: { redis: 'widget:conn:procs' },
    purpose: 'the live web processes and when their lease on their socket counts ends',
    personal: [],
    findBy: 'nothing of a person: random process ids',
    erasure: { action: 'none', why: 'process ids only' },
    retention: { none: 'one entry per process start, dropped 90 s after its last renewal' },
  }),
  privacyContract({
    store: { redis: 'widget:visitors:addr:*' },
    purpose: 'new visitors per client address group in the current window, for the per-address cap',
    personal: ['the key ends in a keyed hash (HMAC with the account secret) of the client address group'],
    findBy: 'widget:visitors:addr:{account}:{HMAC of the address group}; the address is never stored',
    erasure: { action: 'expires', within: 'the window (limits.perAddress.newVisitors.windowSeconds, default 10 minutes)' },
    retention: { expires: 'the window (default 10 minutes)' },
  }),
  privacyContract({
    store: { redis: 'widget:visitors:account:*' },
    purpose: 'new visitors per account in the current window, for the per-account cap',
    personal: [],
    findBy: 'nothing of a person: a count per account',
    erasure: { action: 'none', why: 'a count only' },
    retention: { expires: 'the window (limits.perAccount.newVisitors.windowSeconds, default 1 minute)' },
  }),
];
