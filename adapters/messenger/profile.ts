import { createHmac } from 'node:crypto';
import type { Logger } from 'pino';
import type { Profile } from '../../core/message.js';
import type { MessengerAccountConfig } from './config.js';

/** People remembered per process; a contact's name is only filled once (the core never overwrites it). */
const maxRemembered = 10_000;
/** A webhook must answer quickly: a slow profile look-up is given up, the message goes on without it. */
const lookupTimeoutMs = 2000;

/**
 * Messenger webhooks carry no name: the User Profile API gives it
 * (https://developers.facebook.com/docs/messenger-platform/identity/user-profile).
 * Only `first_name,last_name`: `locale` needs advanced access most Pages don't have. Each person is
 * looked up once per process; a failure is logged and the message is queued without a profile.
 */
export class MessengerProfiles {
  private readonly seen = new Map<string, Profile | null>();

  constructor(private readonly logger: Logger) {}

  async lookup(account: MessengerAccountConfig, psid: string): Promise<Profile | undefined> {
    const key = `${account.pageId}/${psid}`;
    if (this.seen.has(key)) return this.seen.get(key) ?? undefined;
    const profile = await this.fetch(account, psid);
    if (this.seen.size >= maxRemembered) this.seen.delete(this.seen.keys().next().value!);
    this.seen.set(key, profile ?? null);
    return profile;
  }

  private async fetch(account: MessengerAccountConfig, psid: string): Promise<Profile | undefined> {
    const url = new URL(`${account.graphUrl}/${account.apiVersion}/${encodeURIComponent(psid)}`);
    url.searchParams.set('fields', 'first_name,last_name');
    url.searchParams.set('access_token', account.pageAccessToken);
    url.searchParams.set('appsecret_proof', createHmac('sha256', account.appSecret).update(account.pageAccessToken).digest('hex'));
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(Math.min(lookupTimeoutMs, account.timeoutMs)) });
      const body = (await res.json().catch(() => undefined)) as { first_name?: unknown; last_name?: unknown; error?: { code?: number } } | undefined;
      if (!res.ok) {
        // Not an error of the message: the Page may lack the permission, or the person blocked profile access.
        this.logger.debug({ channel: 'messenger', account: account.account, status: res.status, code: body?.error?.code }, 'messenger profile not available');
        return undefined;
      }
      const name = [body?.first_name, body?.last_name].filter((p): p is string => typeof p === 'string' && p.trim() !== '').join(' ');
      return name ? { name: name.slice(0, 200) } : undefined;
    } catch (err) {
      this.logger.debug({ channel: 'messenger', account: account.account, err: (err as Error).message }, 'messenger profile look-up failed');
      return undefined;
    }
  }
}
