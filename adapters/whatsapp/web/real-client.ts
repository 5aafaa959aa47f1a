import type { WebClient, WebClientFactory } from './client.js';
import { loadRemoteAuth } from './remote-auth.js';

/**
 * The real whatsapp-web.js client: Chromium from `executablePath` (Debian's `chromium`),
 * headless, the session restored from and saved to MongoDB by RemoteAuth (with its restore
 * fixed, see remote-auth.ts) through our store.
 * RemoteAuth names the session `RemoteAuth-<account>` (see session-store.ts).
 * Loaded on first use so processes without a WhatsApp Web account never load puppeteer.
 */
export const createRealClient: WebClientFactory = async ({ account, config, store }) => {
  // CommonJS package: only `default` carries every export under ESM.
  const { Client } = (await import('whatsapp-web.js')).default;
  const RemoteAuth = await loadRemoteAuth();
  const client = new Client({
    authStrategy: new RemoteAuth({ clientId: account, dataPath: config.dataPath, store, backupSyncIntervalMs: config.backupSyncIntervalMs }),
    puppeteer: {
      headless: true,
      executablePath: config.executablePath,
      // No sandbox: containers run Chromium as an unprivileged user without user namespaces.
      args: ['--no-sandbox', '--disable-gpu'],
    },
  });
  return {
    on: (event, listener) => client.on(event, listener as (...args: unknown[]) => void),
    initialize: () => client.initialize(),
    sendMessage: (chatId, text) => client.sendMessage(chatId, text),
    sendStateTyping: async (chatId) => (await client.getChatById(chatId)).sendStateTyping(),
    destroy: () => client.destroy(),
  } satisfies WebClient;
};
