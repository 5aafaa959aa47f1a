import type { TurnContext } from 'botbuilder';
import type { AdapterContext, ChannelAccount, ChannelAdapter, ChannelCapabilities, TypingTarget } from '../../core/adapter.js';
import { accountFor } from '../../core/account-for.js';
import { defineChannel } from '../../core/channel.js';
import { ChannelApiError, ForbiddenError, SignatureError } from '../../core/errors.js';
import type { RawRequest, RawResponse } from '../../core/http/router.js';
import type { Address, OutboundMessage } from '../../core/message.js';
import { createCloudAdapter, type BotFrameworkAdapter } from './auth.js';
import { authenticates, botFrameworkAccountSchema, isLoopbackServiceUrl, type BotFrameworkAccountConfig } from './config.js';
import { parseActivity, parseActivityBody, typingAddress, type ParsedActivity } from './inbound.js';
import { sendReply, sendTyping, type SendTarget } from './outbound.js';
import { BotFrameworkReference, botFrameworkReferencePrivacy, ReferenceStore } from './reference-store.js';

/**
 * What Bot Framework channels show in common (README.md has the per-channel limits): text cut
 * at 4000 characters, well under the message size Teams refuses with 413; up to 10 suggested actions (an
 * account may lower it, e.g. 3 for Teams) with labels up to 50 characters.
 */
const botFrameworkCapabilities: ChannelCapabilities = {
  maxTextLength: 4000,
  maxChoices: 10,
  maxChoiceLabelLength: 50,
  forms: false,
  // `typing` activities both ways: ours from the console (outbound.ts), the user's to the console (inbound.ts).
  typing: true,
  media: false,
  // Teams allows 7 messages per second per conversation in bursts and about 2/s over 30 s; 50 requests/s per bot.
  outboundRate: { perSecond: 50, perChatPerSecond: 2 },
};

interface Account {
  workspace: string;
  config: BotFrameworkAccountConfig;
  adapter: BotFrameworkAdapter;
}

/**
 * The `botframework` channel: Azure Bot Service (Teams, Slack, Direct Line / Web Chat, ...) and
 * the Bot Framework Emulator, through botbuilder's CloudAdapter. See README.md beside this file.
 */
function createBotFrameworkAdapter(accounts: ChannelAccount<BotFrameworkAccountConfig>[]): ChannelAdapter {
  const byAccount = new Map<string, Account>(
    accounts.map((a) => [a.account, { workspace: a.workspace.id, config: a.config, adapter: createCloudAdapter(a.config) }]),
  );
  const references = new ReferenceStore();

  /** The account's adapter and the conversation's reference, for a proactive send to `address`. */
  const targetOf = async (address: Address): Promise<SendTarget> => {
    const account = accountFor(byAccount, address);
    const reference = await references.load(address);
    if (!reference) {
      throw new ChannelApiError({
        message: 'no conversation reference for this contact: they never wrote to this bot',
        platformCode: 'no_conversation_reference',
        retryable: false,
      });
    }
    return { adapter: account.adapter, config: account.config, reference };
  };

  const capabilitiesFor = (account: string): ChannelCapabilities => {
    const config = byAccount.get(account)?.config;
    return config && config.maxChoices !== botFrameworkCapabilities.maxChoices
      ? { ...botFrameworkCapabilities, maxChoices: config.maxChoices }
      : botFrameworkCapabilities;
  };

  /**
   * Verifies the activity through botbuilder (JWT with an app id), then queues it and answers:
   * the flow runs later, in a worker, and replies are sent proactively.
   */
  const handle = async (ctx: AdapterContext, req: RawRequest): Promise<RawResponse> => {
    const account = byAccount.get(req.params.account ?? '');
    if (!account) throw new SignatureError();
    // Refused here rather than by botbuilder, which would print the error to the console on every probe.
    if (authenticates(account.config) && !/^Bearer \S+$/.test(req.headers.authorization ?? '')) throw new SignatureError('missing bearer token');
    const body = parseActivityBody(req.rawBody);
    const serviceUrl = (body as { serviceUrl?: unknown }).serviceUrl;
    // (Anything that is not an http(s) URL is refused as malformed by the parser below.)
    if (!authenticates(account.config) && typeof serviceUrl === 'string' && /^https?:\/\//i.test(serviceUrl) && !isLoopbackServiceUrl(serviceUrl)) {
      throw new ForbiddenError('emulator mode takes only activities whose serviceUrl is on this machine');
    }
    let turnError: unknown;
    let queued: ParsedActivity | undefined;
    // A refused token throws SignatureError: 401, one warning line.
    const result = await account.adapter.processParsed(req.headers.authorization ?? '', body, async (turn: TurnContext) => {
      const scope = { workspace: account.workspace, account: account.config.account };
      const typing = typingAddress(turn.activity, scope);
      // Shown in the console, stored nowhere; a failure to tell it is not worth the channel's retry.
      if (typing)
        return void (await ctx
          .typing({ address: typing })
          .catch((err: unknown) => ctx.logger.debug({ ...scope, reason: (err as Error).name }, 'typing not passed on')));
      try {
        queued = parseActivity(turn.activity, scope);
        if (!queued) return;
        await references.save(queued.message.address, queued.reference);
        await ctx.receive([queued.message]);
      } catch (err) {
        turnError = err;
      }
    });
    if (turnError) throw turnError;
    if (result.status >= 400) {
      ctx.logger.warn({ account: account.config.account, status: result.status }, 'botbuilder refused an activity');
      return { status: result.status, body: { error: 'refused', message: typeof result.body === 'string' ? result.body : undefined } };
    }
    if (!queued) ctx.logger.debug({ account: account.config.account, type: body.type }, 'activity ignored');
    return { status: result.status, body: result.body ?? {} };
  };

  return {
    channel: 'botframework',
    capabilities: botFrameworkCapabilities,
    capabilitiesFor,

    async start(ctx: AdapterContext) {
      if (!ctx.http) return;
      for (const [name, account] of byAccount) {
        if (!authenticates(account.config))
          ctx.logger.warn({ account: name }, 'botframework account without appId: authentication is off (emulator mode), for local use only');
      }
      ctx.http.post('/channels/botframework/:account/api/messages', (req) => handle(ctx, req));
    },

    async send(message: OutboundMessage) {
      return sendReply({ ...(await targetOf(message.address)), message });
    },

    async typing({ address }: TypingTarget) {
      await sendTyping(await targetOf(address));
    },

    async stop() {},
  };
}

export const botframework = defineChannel({
  id: 'botframework',
  accountSchema: botFrameworkAccountSchema,
  capabilities: botFrameworkCapabilities,
  create: createBotFrameworkAdapter,
  // Conversation references, for proactive replies from workers.
  collections: { models: [BotFrameworkReference], privacy: [botFrameworkReferencePrivacy] },
});
