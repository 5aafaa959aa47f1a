import { z } from 'zod';
import { channelAccountSchema } from '../../core/config/schema.js';
import { metaAppFields } from '../meta/config.js';

/** One Messenger account: a Facebook Page, reached through a Meta app. */
export const messengerAccountSchema = channelAccountSchema
  .extend({
    /** The Page's id: webhook entries are routed to the account by it (one app may serve several Pages). */
    pageId: z.string().regex(/^\d{1,40}$/, 'expected the numeric Page id'),
    /** A Page access token with `pages_messaging`. */
    pageAccessToken: z.string().min(16, 'expected a Page access token'),
    /**
     * The Meta app's id (App settings → Basic). Echoes of the Page's messages carry the id of the
     * app that sent them: ours are the hub's own replies, any other is a person answering from the
     * Page's inbox or another tool, which takes the conversation over. Without it echoes are ignored.
     * A string (as YAML keeps `"1517776481860111"`) or a number.
     */
    appId: z
      .union([z.string().regex(/^\d{1,40}$/, 'expected the numeric app id'), z.number().int().positive().refine(Number.isSafeInteger, 'quote a long app id')])
      .transform(String)
      .optional(),
    /** Look up a new person's name with the User Profile API (webhooks carry none). */
    fetchProfile: z.boolean().default(true),
    ...metaAppFields,
  })
  .strict();
export type MessengerAccountConfig = z.infer<typeof messengerAccountSchema>;
