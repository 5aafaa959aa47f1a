import { z } from 'zod';
import { channelAccountSchema } from '../../core/config/schema.js';

/**
 * One `telegram` channel account: one bot from @BotFather.
 * Webhook mode (production) needs `secretToken`; polling mode is for local development.
 */
export const telegramAccountSchema = channelAccountSchema
  .extend({
    /** The bot token from @BotFather (`123456789:AA...`). Put it in the environment: `${TELEGRAM_TOKEN}`. */
    token: z.string().regex(/^\d{1,20}:[A-Za-z0-9_-]{20,100}$/, 'expected a bot token from @BotFather, like 123456789:AAE...'),
    /** `webhook`: Telegram POSTs updates to the hub (register it with `switchboard telegram set-webhook`). `polling`: the hub asks with getUpdates. */
    mode: z.enum(['webhook', 'polling']).default('webhook'),
    /**
     * Sent back by Telegram in `X-Telegram-Bot-Api-Secret-Token` with every update (setWebhook's `secret_token`):
     * 1-256 characters of A-Z, a-z, 0-9, `_` and `-`; we ask for at least 16.
     */
    secretToken: z
      .string()
      .regex(/^[A-Za-z0-9_-]{16,256}$/, 'expected 16 to 256 characters of letters, digits, "_" or "-" (Telegram allows no others)')
      .optional(),
    /** The Bot API server; tests and a self-hosted Bot API server change it. */
    apiRoot: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }).default('https://api.telegram.org'),
    /** The bot's getMe answer; polling mode then logs its username without calling getMe at start (tests pass it). */
    botInfo: z.looseObject({ id: z.number().int(), first_name: z.string().min(1), username: z.string().min(1) }).optional(),
    /**
     * A 429 asking to wait up to this many seconds is retried in place (auto-retry); a longer one
     * pauses the whole account in the outbound queue instead of holding a worker.
     */
    maxRetryAfterSeconds: z.number().int().min(0).max(30).default(2),
    /** Give up on one Bot API request after this long (long polling adds its own wait). */
    timeoutSeconds: z.number().int().min(1).max(300).default(30),
  })
  .strict()
  .refine((a) => a.mode !== 'webhook' || a.secretToken !== undefined, {
    message: 'webhook mode needs a secretToken (Telegram sends it back with every update, so forged updates are refused)',
    path: ['secretToken'],
  });
export type TelegramAccountConfig = z.infer<typeof telegramAccountSchema>;

/** Update types the hub asks Telegram for (setWebhook / getUpdates `allowed_updates`). */
export const allowedUpdates = ['message', 'edited_message', 'callback_query'] as const;

/** The account's webhook path on the hub. */
export const webhookPath = (account: string): string => `/channels/telegram/${encodeURIComponent(account)}/webhook`;
