import type { AdapterContext, ChannelAccount, ChannelAdapter, ChannelCapabilities } from '../../core/adapter.js';
import { accountFor } from '../../core/account-for.js';
import { defineChannel } from '../../core/channel.js';
import { SignatureError } from '../../core/errors.js';
import type { OutboundMessage } from '../../core/message.js';
import { apiAccountSchema, type ApiAccountConfig } from './config.js';
import { parseInbound } from './inbound.js';
import { postReply } from './outbound.js';
import { outboundFor } from '../../core/net/workspace-outbound.js';
import { signatureHeader, verify } from './signature.js';

export const apiCapabilities: ChannelCapabilities = {
  maxTextLength: 4096,
  maxChoices: 10,
  maxChoiceLabelLength: 200,
  forms: false,
  typing: false,
  media: false,
};

/**
 * The generic `api` channel: a business's own app POSTs signed messages in and
 * receives signed replies at its webhook. See README.md beside this file.
 */
function createApiAdapter(accounts: ChannelAccount<ApiAccountConfig>[]): ChannelAdapter {
  const byAccount = new Map(accounts.map((a) => [a.account, { workspace: a.workspace.id, config: a.config, outbound: outboundFor(a.workspace) }]));

  return {
    channel: 'api',
    capabilities: apiCapabilities,

    async start(ctx: AdapterContext) {
      ctx.http?.post('/channels/api/:account/messages', async (req) => {
        const account = byAccount.get(req.params.account ?? '');
        // Same answer for unknown accounts and bad signatures: no probing which accounts exist.
        if (!account || !verify(req.rawBody, account.config.secret, req.headers[signatureHeader])) throw new SignatureError();
        const message = parseInbound(req.rawBody, { workspace: account.workspace, account: account.config.account });
        await ctx.receive([message]);
        return { status: 202, body: { status: 'queued', id: message.platformId } };
      });
    },

    async send(message: OutboundMessage) {
      const account = accountFor(byAccount, message.address);
      await postReply(account.config, message, account.outbound);
      return {};
    },

    async stop() {},
  };
}

export const api = defineChannel({ id: 'api', accountSchema: apiAccountSchema, capabilities: apiCapabilities, create: createApiAdapter });
