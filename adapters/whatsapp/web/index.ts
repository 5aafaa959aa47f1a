import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { AdapterContext, ChannelAccount, ChannelCapabilities, LinkEvents, TypingTarget } from '../../../core/adapter.js';
import type { OutboundMessage } from '../../../core/message.js';
import { accountFor } from '../../../core/account-for.js';
import type { WhatsAppTransport, WhatsAppTransportDefinition } from '../transport.js';
import type { WebClientFactory } from './client.js';
import { webAccountSchema, type WebAccountConfig } from './config.js';
import { lockTtlMs, SessionHolder } from './holder.js';
import { linkByQr } from './link.js';
import { SessionLock, sessionLockKey } from './lock.js';
import { createRealClient } from './real-client.js';
import { SendRelay } from './relay.js';
import { WebSession } from './session.js';
import { GridFsSessionStore, sessionName } from './session-store.js';
import { checkSessionStorage } from './session-policy.js';

export { webAccountSchema, type WebAccountConfig };

/**
 * WhatsApp Web shows no buttons or lists to a linked device any more: choices go out as
 * numbered text. 4096 characters like the Cloud API (the app itself takes up to 65,536).
 * No official rate: one message a second per chat and five per number keep it human-paced.
 */
export const webCapabilities: ChannelCapabilities = {
  deliveryReports: true,
  maxTextLength: 4096,
  maxChoices: 0,
  maxChoiceLabelLength: 0,
  forms: false,
  // `sendStateTyping` on the chat, by the process holding the session (relayed like a reply).
  typing: true,
  media: false,
  outboundRate: { perSecond: 5, perChatPerSecond: 1 },
};

/** Linking from the console gives up after this long without a scan and a saved session. */
const linkTimeoutMs = 5 * 60_000;
/** How long a relayed typing indicator may wait for the session's holder. */
const typingTimeoutMs = 3000;

let clientFactory: WebClientFactory = createRealClient;

/** Swaps the whatsapp-web.js client for another (tests use a fake); returns a function that restores the previous one. */
export function setWebClientFactory(factory: WebClientFactory): () => void {
  const previous = clientFactory;
  clientFactory = factory;
  return () => {
    clientFactory = previous;
  };
}

/** The client factory in use (the CLI's `whatsapp login` builds its client with it). */
export function webClientFactory(): WebClientFactory {
  return clientFactory;
}

/**
 * Accounts linked by QR, driven through whatsapp-web.js. The processes that serve HTTP (role
 * `web` or `all`) compete for each account's session lock and one runs its client; replies sent
 * by workers elsewhere reach that process over Redis. See README.md beside this file.
 */
export function createWebTransport(accounts: ChannelAccount<WebAccountConfig>[]): WhatsAppTransport {
  const byAccount = new Map(accounts.map((a) => [a.account, { workspace: a.workspace.id, config: a.config }]));
  const holders = new Map<string, SessionHolder>();
  let relay: SendRelay | undefined;
  let lockRedis: Redis | undefined;
  let linkPrefix: string | undefined;
  let linkLogger: Logger | undefined;

  return {
    capabilities: webCapabilities,

    async start(ctx: AdapterContext) {
      relay = new SendRelay({ redis: ctx.redis, prefix: ctx.keyPrefix, logger: ctx.logger });
      await relay.start();
      if (!ctx.http) return; // Worker-only processes relay their sends to the holder.
      const factory = clientFactory;
      lockRedis = ctx.redis();
      linkPrefix = ctx.keyPrefix;
      linkLogger = ctx.logger;
      // Throws for a malformed SWITCHBOARD_SESSION_KEY, or for none beyond loopback (session-policy.ts).
      const stores = new Map([...byAccount].map(([account, { config }]) => [account, new GridFsSessionStore({ dataPath: config.dataPath })]));
      checkSessionStorage({
        encrypted: [...stores.values()].every((s) => s.encrypts),
        host: ctx.serverHost,
        accounts: [...byAccount.keys()],
        logger: ctx.logger,
      });
      for (const [account, { workspace, config }] of byAccount) {
        const store = stores.get(account)!;
        const holder = new SessionHolder({
          account,
          lock: new SessionLock(lockRedis, sessionLockKey(ctx.keyPrefix, account), lockTtlMs),
          relay,
          store,
          sessionPollMs: config.sessionPollMs,
          logger: ctx.logger,
          createSession: (unlinked) =>
            new WebSession({
              workspace,
              account,
              config,
              factory,
              store,
              logger: ctx.logger,
              receive: (message) => ctx.receive([message]),
              statuses: ctx.statuses,
              unlinked,
            }),
        });
        holders.set(account, holder);
        await holder.start();
      }
    },

    async send(message: OutboundMessage) {
      const account = accountFor(byAccount, message.address);
      const request = { messageId: message.id, chatId: message.address.user, text: message.text };
      const local = holders.get(message.address.account)?.session;
      if (local) return { platformId: await local.send(request.chatId, request.text, request.messageId) };
      if (!relay) throw new Error('the whatsapp web transport is not started');
      return { platformId: await relay.request(message.address.account, request, account.config.sendTimeoutMs) };
    },

    async typing({ address }: TypingTarget) {
      const account = accountFor(byAccount, address);
      const local = holders.get(address.account)?.session;
      if (local) return local.typing(address.user);
      if (!relay) throw new Error('the whatsapp web transport is not started');
      // Not worth waiting long for: the indicator only means something while the agent types.
      await relay.request(address.account, { typing: true, chatId: address.user }, Math.min(account.config.sendTimeoutMs, typingTimeoutMs));
    },

    async accountState(account: string) {
      const config = byAccount.get(account)?.config;
      if (!config) return {};
      const linked = Boolean(await new GridFsSessionStore({ dataPath: config.dataPath }).latest(sessionName(account)).catch(() => undefined));
      // Only a process that serves HTTP runs sessions; the page is served by one.
      return { intake: { mode: 'socket' as const }, session: { linked, state: holders.get(account)?.status ?? 'elsewhere' } };
    },

    async link(account: string, events: LinkEvents) {
      const config = byAccount.get(account)?.config;
      if (!config || !lockRedis || !linkPrefix) throw new Error(`whatsapp web account "${account}" is not started here`);
      return linkByQr({
        account,
        config,
        factory: clientFactory,
        store: new GridFsSessionStore({ dataPath: config.dataPath }),
        lock: new SessionLock(lockRedis, sessionLockKey(linkPrefix, account), lockTtlMs),
        logger: linkLogger!,
        progress: { qr: events.qr },
        timeoutMs: linkTimeoutMs,
        signal: events.signal,
      });
    },

    async stop() {
      await Promise.all([...holders.values()].map((h) => h.stop()));
      holders.clear();
      await relay?.stop();
      await lockRedis?.quit();
    },
  };
}

export const webTransport: WhatsAppTransportDefinition<typeof webAccountSchema> = {
  schema: webAccountSchema,
  capabilities: webCapabilities,
  create: createWebTransport,
};
