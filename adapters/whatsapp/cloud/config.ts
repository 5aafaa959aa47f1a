import { z } from 'zod';
import { channelAccountSchema } from '../../../core/config/schema.js';
import { metaAppFields } from '../../meta/config.js';

/** An approved message template (https://developers.facebook.com/docs/whatsapp/business-management-api/message-templates). */
const templateSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9_]{1,512}$/, 'expected the template name as approved (lowercase letters, digits, "_")'),
  /** The approved translation's language code, e.g. `en` or `en_US`. */
  language: z.string().regex(/^[a-z]{2,3}(_[A-Z]{2})?$/, 'expected a language code such as en or en_US'),
});

/** One WhatsApp number on the Cloud API. */
export const cloudAccountSchema = channelAccountSchema
  .extend({
    transport: z.literal('cloud'),
    /** The business phone number's id (not the number itself): replies go to `/{phoneNumberId}/messages`. */
    phoneNumberId: z.string().regex(/^\d{1,40}$/, 'expected the numeric phone number id'),
    /** A system user's access token with `whatsapp_business_messaging`. */
    accessToken: z.string().min(16, 'expected an access token'),
    ...metaAppFields,
    /** The label of the button that opens a list of more than three choices (at most 20 characters). */
    listButton: z.string().min(1).max(20).default('Choose'),
    /**
     * Approved templates. `reopen`: sent instead of an agent's reply that falls outside the
     * 24-hour customer-service window, inviting the contact to write again (the reply itself is
     * stored as failed, for the agent to send once they have). Without it such replies just fail.
     */
    templates: z.strictObject({ reopen: templateSchema.optional() }).optional(),
  })
  .strict();
export type CloudAccountConfig = z.infer<typeof cloudAccountSchema>;
