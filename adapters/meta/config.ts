import { z } from 'zod';

/**
 * What every account on a Meta platform (Messenger, WhatsApp Cloud API) has: the app's secret
 * that signs webhooks, the verify token of the subscription handshake, and where the Graph API is.
 */
export const metaAppFields = {
  /** The app secret (App settings → Basic): webhooks are signed with it. */
  appSecret: z.string().min(16, 'expected the app secret (at least 16 characters)'),
  /** Any string of yours, typed into the app dashboard when subscribing the webhook. */
  verifyToken: z.string().min(8, 'expected a verify token of at least 8 characters'),
  /** Base URL of the Graph API; tests point it at a local fake. */
  graphUrl: z
    .url({ protocol: /^https?$/, error: 'expected an http(s) URL' })
    .default('https://graph.facebook.com')
    .transform((u) => u.replace(/\/+$/, '')),
  apiVersion: z
    .string()
    .regex(/^v\d+\.\d+$/, 'expected a Graph API version such as v21.0')
    .default('v21.0'),
  /** Give up on one Graph API call after this long (the queue retries). */
  timeoutMs: z.number().int().min(100).max(60_000).default(10_000),
};
