import type { Logger } from 'pino';
import type { WebClientFactory } from './client.js';
import type { WebAccountConfig } from './config.js';
import { lockTtlMs } from './holder.js';
import type { SessionLock } from './lock.js';
import { sessionName, type GridFsSessionStore } from './session-store.js';

/** Where linking reports its progress: each QR to scan, then the steps after the scan. */
export interface LinkProgress {
  qr(code: string): void;
  scanned?(): void;
  /** Linked; whatsapp-web.js saves the session about a minute later. */
  saving?(): void;
}

/**
 * Links a WhatsApp number to an account: starts its client under the account's session lock,
 * hands each QR code to `progress.qr`, and resolves once RemoteAuth saved the session in MongoDB
 * (about a minute after the scan), or at once when the stored session still works. A running hub
 * holds the lock while its session works, so this refuses then; once a number is unlinked the
 * hub lets the lock go, and picks the new session up when it is saved (holder.ts). Used by
 * `switchboard whatsapp login` and by the admins' channels page alike.
 */
export async function linkByQr(o: {
  account: string;
  config: WebAccountConfig;
  factory: WebClientFactory;
  store: GridFsSessionStore;
  lock: SessionLock;
  logger: Logger;
  progress: LinkProgress;
  timeoutMs: number;
  signal?: AbortSignal;
}): Promise<'linked' | 'already linked'> {
  if (!(await o.lock.acquire())) {
    throw new Error(`a running hub process is using the WhatsApp Web session of "${o.account}"; log this device out on the phone first`);
  }
  const renew = setInterval(() => void o.lock.renew().catch(() => undefined), lockTtlMs / 3);
  let client: Awaited<ReturnType<WebClientFactory>> | undefined;
  try {
    client = await o.factory({ account: o.account, config: o.config, store: o.store, logger: o.logger });
    const c = client;
    let showedQr = false;
    let dropped: Promise<void> | undefined;
    const outcome = new Promise<'linked' | 'already linked'>((resolve, reject) => {
      c.on('qr', (qr) => {
        // RemoteAuth saves right after linking only when nothing is stored: drop the session that no longer works.
        dropped ??= o.store.delete({ session: sessionName(o.account) }).catch((err: unknown) => o.logger.warn({ err }, 'old WhatsApp Web session not deleted'));
        showedQr = true;
        o.progress.qr(qr);
      });
      c.on('authenticated', () => showedQr && o.progress.scanned?.());
      c.on('ready', () => {
        if (showedQr) o.progress.saving?.();
        else resolve('already linked');
      });
      c.on('remote_session_saved', () => resolve('linked'));
      c.on('auth_failure', (reason) => reject(new Error(`WhatsApp Web refused the login: ${reason}`)));
      c.on('disconnected', (reason) => reject(new Error(`WhatsApp Web disconnected before the session was saved (${reason})`)));
      setTimeout(() => reject(new Error(`not linked within ${Math.round(o.timeoutMs / 1000)} s`)), o.timeoutMs).unref();
      o.signal?.addEventListener('abort', () => reject(new Error('linking was cancelled')), { once: true });
    });
    outcome.catch(() => undefined);
    await c.initialize();
    const result = await outcome;
    await dropped;
    return result;
  } finally {
    clearInterval(renew);
    await client?.destroy().catch(() => undefined);
    await o.lock.release().catch(() => undefined);
  }
}
