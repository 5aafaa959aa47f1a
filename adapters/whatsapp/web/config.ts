import { z } from 'zod';
import { channelAccountSchema } from '../../../core/config/schema.js';

/** One WhatsApp number linked by QR (`switchboard whatsapp login <account>`), driven through WhatsApp Web. */
export const webAccountSchema = channelAccountSchema
  .extend({
    transport: z.literal('web'),
    /** The Chromium that runs WhatsApp Web (Debian's `chromium` package; puppeteer's own download is skipped). */
    executablePath: z.string().min(1).default('/usr/bin/chromium'),
    /** Where the session is unpacked while the client runs; MongoDB holds the lasting copy. */
    dataPath: z.string().min(1).default('.wwebjs_auth'),
    /** How often the running session is saved to MongoDB (whatsapp-web.js refuses less than a minute). */
    backupSyncIntervalMs: z.number().int().min(60_000).default(300_000),
    /** A reply handed to the process holding the session fails (and is retried) after this long. */
    sendTimeoutMs: z.number().int().min(100).max(120_000).default(20_000),
    /** Backoff between attempts to bring a dropped session back: doubles from `minMs` up to `maxMs`. */
    reconnect: z
      .strictObject({
        minMs: z.number().int().min(10).default(2_000),
        maxMs: z.number().int().min(10).default(300_000),
      })
      .prefault({}),
    /** While the number is not linked, look for a newly saved session (after `whatsapp login`) this often. */
    sessionPollMs: z.number().int().min(10).default(30_000),
  })
  .strict();
export type WebAccountConfig = z.infer<typeof webAccountSchema>;
