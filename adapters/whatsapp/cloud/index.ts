import { z } from 'zod';
import { channelAccountSchema } from '../../../core/config/schema.js';
import type { WhatsAppTransportDefinition } from '../transport.js';

// PLACEHOLDER, replaced by the cloud transport's implementation.
export const cloudTransport: WhatsAppTransportDefinition = {
  schema: channelAccountSchema.extend({ transport: z.literal('cloud') }),
  capabilities: { maxTextLength: 4096, maxChoices: 0, maxChoiceLabelLength: 0, forms: false, typing: false, media: false },
  create() {
    throw new Error('the cloud transport is not built yet');
  },
};
