import type { Api } from 'grammy';
import type { Update } from 'grammy/types';
import type { Redis } from 'ioredis';
import type { AdapterContext, ChannelAccount, ChannelAdapter, ChannelCapabilities, TypingTarget } from '../../core/adapter.js';
import { defineChannel } from '../../core/channel.js';
import { SignatureError } from '../../core/errors.js';
import type { OutboundMessage } from '../../core/message.js';
import { accountFor } from '../../core/account-for.js';
import { createApi, createBareApi } from './api.js';
import { registerTelegramCommands } from './commands.js';
import { telegramAccountSchema, type TelegramAccountConfig } from './config.js';
import { parseUpdate, parseUpdateBody, type ParsedUpdate, type UpdateTarget } from './inbound.js';
import { sendReply, sendTyping } from './outbound.js';
import { TelegramPoller } from './polling.js';
import { secretHeader, secretMatches } from './secret.js';
import { maxMessageLength } from './split.js';
import { telegramPrivacy } from './privacy.js';

export { telegramAccountSchema };

const telegramCapabilities: ChannelCapabilities = {
  // Longer replies are split into messages of up to 4096 UTF-16 units (see split.ts); beyond about four, cut by the core.
  maxTextLength: 4 * maxMessageLength,
  // Telegram documents no count or label limit for inline keyboards; more than this reads badly on a phone.
  maxChoices: 10,
  maxChoiceLabelLength: 64,
  forms: false,
  // sendChatAction `typing` (outbound.ts).
  typing: true,
  media: true,
  // https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this
  outboundRate: { perSecond: 30, perChatPerSecond: 1 },
};

interface Account {
  workspace: string;
  config: TelegramAccountConfig;
  target: UpdateTarget;
  api: Api;
  /** Without auto-retry, for typing indicators. */
  onceApi: Api;
}

/**
 * The `telegram` channel: bots from @BotFather, updates by webhook (production) or long
 * polling (local development), replies through the Bot API. See README.md beside this file.
 */
export function createTelegramAdapter(accounts: ChannelAccount<TelegramAccountConfig>[]): ChannelAdapter {
  const byAccount = new Map<string, Account>(
    accounts.map(({ workspace, config }) => {
      const target = { workspace: workspace.id, account: config.account, startKeyword: workspace.privacy.keywords.start[0] ?? 'start' };
      return [config.account, { workspace: workspace.id, config, target, api: createApi(config), onceApi: createBareApi(config) }];
    }),
  );
  let redis: Redis | undefined;
  let keyPrefix = '';
  const pollers: TelegramPoller[] = [];
  const answering = new Set<Promise<void>>();

  return {
    channel: 'telegram',
    capabilities: telegramCapabilities,

    async start(ctx: AdapterContext) {
      redis = ctx.redis();
      keyPrefix = ctx.keyPrefix;

      /** Queues what the update carries; answers a button press once it is queued (Telegram's client spins until then). */
      const accept = async (account: Account, parsed: ParsedUpdate) => {
        if (parsed.messages.length) await ctx.receive(parsed.messages);
        else if (parsed.ignored) ctx.logger.debug({ account: account.config.account, reason: parsed.ignored }, 'telegram update ignored');
        if (parsed.callbackQueryId) {
          // Not awaited: the webhook answers as soon as the message is queued.
          const answer = account.api
            .answerCallbackQuery(parsed.callbackQueryId)
            .then(() => undefined)
            .catch((err: Error) => ctx.logger.warn({ account: account.config.account, err: err.message }, 'telegram answerCallbackQuery failed'))
            .finally(() => answering.delete(answer));
          answering.add(answer);
        }
      };

      ctx.http?.post('/channels/telegram/:account/webhook', async (req) => {
        const account = byAccount.get(req.params.account ?? '');
        // Same answer for unknown accounts, polling accounts and wrong secrets: no probing which bots exist.
        if (!account?.config.secretToken || account.config.mode !== 'webhook' || !secretMatches(account.config.secretToken, req.headers[secretHeader])) {
          throw new SignatureError(`missing or wrong ${secretHeader}`);
        }
        await accept(account, parseUpdateBody(req.rawBody, account.target));
        // Any 2xx tells Telegram the update arrived; an empty body asks it for nothing more.
        return { status: 200, raw: '', headers: { 'content-type': 'text/plain' } };
      });

      // One poller per bot across processes; only processes that serve HTTP (roles web, all) run one.
      if (ctx.http) {
        for (const account of byAccount.values()) {
          if (account.config.mode !== 'polling') continue;
          const pollSeconds = 25;
          const poller = new TelegramPoller({
            account: account.config.account,
            api: createApi({ ...account.config, timeoutSeconds: account.config.timeoutSeconds + pollSeconds }),
            redis,
            lockKey: `${keyPrefix}:telegram:poller:${encodeURIComponent(account.config.account)}`,
            logger: ctx.logger,
            pollSeconds,
            username: account.config.botInfo?.username,
            handle: async (update: Update) => {
              let parsed: ParsedUpdate;
              try {
                parsed = parseUpdate(update, account.target);
              } catch (err) {
                // Nothing to retry: an update we cannot read stays unreadable.
                ctx.logger.warn({ account: account.config.account, updateId: update.update_id, reason: (err as Error).message }, 'telegram update refused');
                return;
              }
              await accept(account, parsed);
            },
          });
          poller.start();
          pollers.push(poller);
        }
      }
    },

    async send(message: OutboundMessage) {
      const account = accountFor(byAccount, message.address);
      if (!redis) throw new Error('the telegram adapter is not started');
      return sendReply({ api: account.api, redis, keyPrefix }, message);
    },

    async typing({ address }: TypingTarget) {
      await sendTyping(accountFor(byAccount, address).onceApi, address.user);
    },

    async accountState(name: string) {
      const account = byAccount.get(name);
      if (!account) return {};
      if (account.config.mode === 'polling') return { intake: { mode: 'polling' as const } };
      try {
        const info = await account.onceApi.getWebhookInfo();
        const url = info.url ?? '';
        const registered = url.endsWith(`/channels/telegram/${encodeURIComponent(name)}/webhook`);
        const detail = info.last_error_message
          ? `Telegram's last delivery failed: ${info.last_error_message}`
          : registered
            ? `${info.pending_update_count} update(s) pending`
            : url
              ? 'Telegram posts this bot’s updates somewhere else'
              : 'no webhook set: run `switchboard telegram set-webhook`';
        return { intake: { mode: 'webhook' as const, registered, detail } };
      } catch (err) {
        // The error's name only: a message could carry the request's URL, and the token with it.
        return { intake: { mode: 'webhook' as const, detail: `Telegram did not answer (${(err as Error).name})` } };
      }
    },

    async stop() {
      await Promise.all(pollers.map((p) => p.stop()));
      await Promise.all([...answering]);
      redis?.disconnect();
    },
  };
}

export const telegram = defineChannel({
  id: 'telegram',
  accountSchema: telegramAccountSchema,
  capabilities: telegramCapabilities,
  create: createTelegramAdapter,
  // `switchboard telegram set-webhook|delete-webhook <account>`
  commands: registerTelegramCommands,
  collections: { privacy: telegramPrivacy },
  // A bot has one webhook (the last setWebhook wins) and one getUpdates consumer, so it can serve one account.
  // Compared by the bot's id (the token's part before ":"): a regenerated token is still the same bot, and the error never shows a token.
  routingKeys: (account) => [{ path: ['token'], name: 'bot', value: account.token.split(':')[0]! }],
});
