import type { Logger } from 'pino';
import { isLoopbackHost } from '../../../core/loopback.js';
import { sessionKeyVariable } from './session-cipher.js';

/**
 * Without `SWITCHBOARD_SESSION_KEY`, sessions go to MongoDB as plaintext zips: a logged-in device
 * for whoever reads the database or a backup. That is refused on a hub listening beyond loopback
 * (`server.host`), and allowed with a warning on a developer's machine, where the demo runs with
 * nothing set. `host` undefined (a context built in code) counts as loopback.
 */
export function checkSessionStorage(o: { encrypted: boolean; host: string | undefined; accounts: readonly string[]; logger?: Logger }): void {
  if (o.encrypted || !o.accounts.length) return;
  const accounts = o.accounts.map((a) => `"${a}"`).join(', ');
  if (o.host !== undefined && !isLoopbackHost(o.host))
    throw new Error(
      `WhatsApp Web account ${accounts}: ${sessionKeyVariable} is not set, so its session (a logged-in device) would be stored in MongoDB unencrypted ` +
        `while the hub listens on ${o.host}; set ${sessionKeyVariable} to 32 random bytes (\`openssl rand -base64 32\`)`,
    );
  o.logger?.warn(
    { accounts: o.accounts },
    `${sessionKeyVariable} is not set: WhatsApp Web sessions are stored in MongoDB unencrypted (allowed only while the hub listens on loopback)`,
  );
}
