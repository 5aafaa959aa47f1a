import { z } from 'zod';
import { channelAccountSchema } from '../../../core/config/schema.js';
import type { WhatsAppTransportDefinition } from '../transport.js';

// PLACEHOLDER, replaced by the web transport's implementation.
export const webTransport: WhatsAppTransportDefinition = {
  schema: channelAccountSchema.extend({ transport: z.literal('web') }),
  capabilities: { maxTextLength: 4096, maxChoices: 0, maxChoiceLabelLength: 0, forms: false, typing: false, media: false },
  create() {
    throw new Error('the web transport is not built yet');
  },
};
