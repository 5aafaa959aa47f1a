import type { AdapterContext, ChannelAccount, ChannelAdapter, ChannelCapabilities, TypingTarget } from '../../core/adapter.js';
import { defineChannel } from '../../core/channel.js';
import type { InboundMessage, OutboundMessage } from '../../core/message.js';
import { accountFor } from '../../core/account-for.js';
import { parseJsonBody } from '../meta/json.js';
import { mountMetaWebhook } from '../meta/webhook.js';
import { messengerAccountSchema, type MessengerAccountConfig } from './config.js';
import { parseBatch, toInbound, toStatuses } from './inbound.js';
import { replyWindowHours, sendReply, sendTyping } from './outbound.js';
import { MessengerProfiles } from './profile.js';

export { messengerAccountSchema };

/** https://developers.facebook.com/docs/messenger-platform/ — limits with links in README.md. */
const messengerCapabilities: ChannelCapabilities = {
  deliveryReports: true,
  maxTextLength: 2000,
  maxChoices: 13,
  maxChoiceLabelLength: 20,
  forms: false,
  // The `typing_on` sender action (outbound.ts).
  typing: true,
  media: false,
  replyWindowHours,
  // Send API: 300 calls/s per Page for text (https://developers.facebook.com/documentation/business-messaging/messenger-platform/overview/rate-limiting).
  outboundRate: { perSecond: 300 },
};

interface Account {
  workspace: string;
  config: MessengerAccountConfig;
}

/**
 * Facebook Messenger: one account per Page. Webhook `/channels/messenger/{account}/webhook`
 * (GET handshake, signed POSTs); replies through the Send API. See README.md beside this file.
 */
export function createMessengerAdapter(accounts: ChannelAccount<MessengerAccountConfig>[]): ChannelAdapter {
  const byAccount = new Map<string, Account>(accounts.map((a) => [a.account, { workspace: a.workspace.id, config: a.config }]));
  const byPage = new Map<string, Account>([...byAccount.values()].map((a) => [a.config.pageId, a]));

  return {
    channel: 'messenger',
    capabilities: messengerCapabilities,

    async start(ctx: AdapterContext) {
      if (!ctx.http) return;
      for (const { config } of byAccount.values()) {
        if (config.appId !== undefined) continue;
        ctx.logger.warn(
          { channel: 'messenger', account: config.account },
          'messenger account has no appId: replies sent from the Page inbox cannot be told from the hub’s own echoes, so they do not take conversations over',
        );
      }
      const profiles = new MessengerProfiles(ctx.logger);
      mountMetaWebhook(ctx.http, {
        path: '/channels/messenger/:account/webhook',
        logger: ctx.logger,
        account: (id) => byAccount.get(id)?.config,
        handle: async (raw, config) => {
          const batch = parseBatch(parseJsonBody(raw));
          for (const s of batch.skipped)
            ctx.logger.warn(
              { channel: 'messenger', account: config.account, pageId: s.pageId, event: s.index, reason: s.reason },
              'messenger event skipped: not in the documented shape',
            );
          const messages: { message: InboundMessage; account: MessengerAccountConfig }[] = [];
          const statuses = [];
          for (const { pageId, event } of batch.events) {
            // An app's webhook carries the events of all its Pages: each goes to the account of its Page,
            // if that account belongs to the same app (the one whose secret signed this request).
            const owner = byPage.get(pageId);
            if (!owner || owner.config.appSecret !== config.appSecret) {
              ctx.logger.warn(
                { channel: 'messenger', account: config.account, pageId },
                'messenger event for a Page no account of this app is configured for; ignored',
              );
              continue;
            }
            const address = { workspace: owner.workspace, account: owner.config.account, appId: owner.config.appId };
            for (const message of toInbound(event, address)) messages.push({ message, account: owner.config });
            statuses.push(...toStatuses(event, address));
          }
          // The name fills the contact (first contact only in effect: the core never overwrites a name).
          await Promise.all(
            messages.map(async (m) => {
              if (m.account.fetchProfile) m.message.profile ??= await profiles.lookup(m.account, m.message.address.user);
            }),
          );
          if (messages.length) await ctx.receive(messages.map((m) => m.message));
          if (statuses.length) await ctx.statuses(statuses);
        },
      });
    },

    async send(message: OutboundMessage) {
      const platformId = await sendReply(accountFor(byAccount, message.address).config, message);
      return platformId ? { platformId } : {};
    },

    async typing({ address }: TypingTarget) {
      await sendTyping(accountFor(byAccount, address).config, address.user);
    },

    async stop() {},
  };
}

export const messenger = defineChannel({
  id: 'messenger',
  accountSchema: messengerAccountSchema,
  capabilities: messengerCapabilities,
  create: createMessengerAdapter,
  // Events of all of an app's Pages reach any of its webhooks and are routed by Page id.
  routingKeys: (account) => [{ path: ['pageId'], name: 'pageId', value: account.pageId }],
});
