import type { Redis } from 'ioredis';
import { withoutIdentifiers } from './logger.js';
import type { Address } from './message.js';
import { privacyContract } from './privacy/contract.js';

/** Each process writes an account's last event or error at most this often: the page shows minutes, and the hot path keeps its Redis budget. */
const writeEveryMs = 10_000;

export interface AccountActivityRow {
  /** When a message last came in through the account (to within 10 s). */
  lastEventAt?: string;
  /** The last delivery failure: when, and the platform's code and words (identifiers removed). */
  lastError?: { at: string; reason: string };
}

/**
 * What the admins' channels page shows of each account's traffic, per workspace in one Redis hash
 * (`{prefix}:accounts:{workspace}`, fields `<channel>:<account>:event` and `…:error`). Written at
 * most once per {@link writeEveryMs} per account and process, so a busy account adds one Redis
 * command every 10 s, not one per message.
 */
export class AccountActivity {
  private readonly written = new Map<string, number>();

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(workspace: string): string {
    return `${this.prefix}:accounts:${workspace}`;
  }

  private due(field: string, now: number): boolean {
    if (now - (this.written.get(field) ?? 0) < writeEveryMs) return false;
    this.written.set(field, now);
    return true;
  }

  /** Messages came in through these addresses' accounts. */
  async received(addresses: readonly Address[], now = Date.now()): Promise<void> {
    const fields = new Map<string, string[]>();
    for (const a of addresses) {
      const field = `${a.channel}:${a.account}:event`;
      if (this.due(`${a.workspace}/${field}`, now)) fields.set(a.workspace, [...(fields.get(a.workspace) ?? []), field, new Date(now).toISOString()]);
    }
    for (const [workspace, pairs] of fields) await this.redis.hset(this.key(workspace), ...pairs);
  }

  /** A reply through this account failed (a retry may follow). */
  async failed(at: { workspace: string; channel: string; account: string; code?: string | undefined; message: string }, now = Date.now()): Promise<void> {
    const field = `${at.channel}:${at.account}:error`;
    if (!this.due(`${at.workspace}/${field}`, now)) return;
    const reason = `${at.code ? `${at.code}: ` : ''}${withoutIdentifiers(at.message)}`.slice(0, 300);
    await this.redis.hset(this.key(at.workspace), field, JSON.stringify({ at: new Date(now).toISOString(), reason }));
  }

  /** Every account's row of the workspace, by `<channel>:<account>`. */
  async read(workspace: string): Promise<Map<string, AccountActivityRow>> {
    const rows = new Map<string, AccountActivityRow>();
    for (const [field, value] of Object.entries(await this.redis.hgetall(this.key(workspace)))) {
      const cut = field.lastIndexOf(':');
      const account = field.slice(0, cut);
      const row = rows.get(account) ?? {};
      if (field.endsWith(':event')) row.lastEventAt = value;
      else {
        try {
          row.lastError = JSON.parse(value) as AccountActivityRow['lastError'];
        } catch {
          // A row from a newer hub: left out.
        }
      }
      rows.set(account, row);
    }
    return rows;
  }
}

/** Privacy contract (see core/privacy/contract.ts). */
export const accountActivityPrivacy = privacyContract({
  store: { redis: 'accounts:*' },
  purpose: "the admins' channels page: when each account last received a message and its last delivery error",
  personal: [],
  findBy: 'nobody: keyed by workspace and account',
  erasure: { action: 'none', why: 'no personal data: times, and platform error texts with e-mail addresses and long numbers removed' },
  retention: { none: 'one entry per account, overwritten; removing an account from the config leaves its last entry until the hash is deleted' },
});
