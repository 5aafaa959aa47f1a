import { accountFor } from '../../../core/account-for.js';
import type { Redis } from 'ioredis';
import type { AdapterContext, ChannelAccount, ChannelCapabilities } from '../../../core/adapter.js';
import type { DeliveryStatus, InboundMessage, OutboundMessage } from '../../../core/message.js';
import { parseJsonBody } from '../../meta/json.js';
import { mountMetaWebhook } from '../../meta/webhook.js';
import type { WhatsAppTransport, WhatsAppTransportDefinition } from '../transport.js';
import { cloudAccountSchema, type CloudAccountConfig } from './config.js';
import { parseBatch, toInbound, toStatus } from './inbound.js';
import { sendReply, serviceWindowHours, type ReopenGuard } from './outbound.js';

/** Limits with links in ../README.md. */
const cloudCapabilities: ChannelCapabilities = {
  deliveryReports: true,
  maxTextLength: 4096,
  maxChoices: 10,
  maxChoiceLabelLength: 20,
  forms: false,
  typing: false,
  media: false,
  replyWindowHours: serviceWindowHours,
  // 80 messages/s per business number by default (https://developers.facebook.com/documentation/business-messaging/whatsapp/throughput).
  outboundRate: { perSecond: 80 },
};

interface Account {
  workspace: string;
  config: CloudAccountConfig;
}

/** WhatsApp through the official Cloud API: webhook `/channels/whatsapp/{account}/webhook`, replies to `/{phone-number-id}/messages`. */
export const cloudTransport: WhatsAppTransportDefinition<typeof cloudAccountSchema> = {
  schema: cloudAccountSchema,
  capabilities: cloudCapabilities,
  create(accounts: ChannelAccount<CloudAccountConfig>[]): WhatsAppTransport {
    const byAccount = new Map<string, Account>(accounts.map((a) => [a.account, { workspace: a.workspace.id, config: a.config }]));
    const byNumber = new Map<string, Account>([...byAccount.values()].map((a) => [a.config.phoneNumberId, a]));
    let redis: Redis | undefined;
    let prefix = 'switchboard';
    const key = (account: string, user: string) => `${prefix}:whatsapp:reopen:${encodeURIComponent(account)}:${encodeURIComponent(user)}`;
    const reopen: ReopenGuard = {
      claim: async (account, user) => (redis ? (await redis.set(key(account, user), '1', 'EX', 24 * 3600, 'NX')) === 'OK' : true),
      release: async (account, user) => void (await redis?.del(key(account, user))),
    };

    return {
      capabilities: cloudCapabilities,

      async start(ctx: AdapterContext) {
        prefix = ctx.keyPrefix;
        if ([...byAccount.values()].some((a) => a.config.templates?.reopen)) redis = ctx.redis();
        if (!ctx.http) return;
        mountMetaWebhook(ctx.http, {
          path: '/channels/whatsapp/:account/webhook',
          logger: ctx.logger,
          // The web transport's accounts have no webhook: only ours answer here.
          account: (id) => byAccount.get(id)?.config,
          handle: async (raw, config) => {
            const batch = parseBatch(parseJsonBody(raw));
            for (const s of batch.skipped)
              ctx.logger.warn(
                { channel: 'whatsapp', account: config.account, where: s.where, reason: s.reason },
                'whatsapp webhook part skipped: not in the documented shape',
              );
            // An app's webhook carries all its numbers' events: each goes to the account of its number, if that belongs to the same app.
            const ownerOf = (phoneNumberId: string) => {
              const owner = byNumber.get(phoneNumberId);
              if (owner && owner.config.appSecret === config.appSecret) return { workspace: owner.workspace, account: owner.config.account };
              ctx.logger.warn(
                { channel: 'whatsapp', account: config.account, phoneNumberId },
                'whatsapp event for a number no account of this app is configured for; ignored',
              );
              return undefined;
            };
            const messages: InboundMessage[] = [];
            const statuses: DeliveryStatus[] = [];
            for (const m of batch.messages) {
              const address = ownerOf(m.phoneNumberId);
              const inbound = address && toInbound(m.message, address, m.name);
              if (inbound) messages.push(inbound);
              else if (address)
                ctx.logger.debug({ channel: 'whatsapp', account: address.account, type: m.message.type }, 'whatsapp message kind not handled; ignored');
            }
            for (const s of batch.statuses) {
              const address = ownerOf(s.phoneNumberId);
              const status = address && toStatus(s.status, address);
              if (status) statuses.push(status);
            }
            if (messages.length) await ctx.receive(messages);
            if (statuses.length) await ctx.statuses(statuses);
          },
        });
      },

      async send(message: OutboundMessage) {
        const platformId = await sendReply(accountFor(byAccount, message.address).config, message, reopen);
        return platformId ? { platformId } : {};
      },

      async stop() {
        await redis?.quit().catch(() => undefined);
        redis = undefined;
      },
    };
  },
};
