import { z } from 'zod';
import { channelAccountSchema } from '../../core/config/schema.js';

/** One `api` channel account: a business's own app talking to the hub. */
export const apiAccountSchema = channelAccountSchema
  .extend({
    /** Shared secret for the HMAC-SHA256 signatures in both directions. */
    secret: z.string().min(16, 'expected a secret of at least 16 characters'),
    /** Where replies are POSTed. */
    webhookUrl: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }),
    /** Give up on one delivery attempt after this long. */
    timeoutMs: z.number().int().min(100).max(60_000).default(10_000),
  })
  .strict();
export type ApiAccountConfig = z.infer<typeof apiAccountSchema>;
