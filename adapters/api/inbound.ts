import { z } from 'zod';
import { PayloadError } from '../../core/errors.js';
import type { InboundMessage } from '../../core/message.js';

/** The body a business's app POSTs to `/channels/api/{account}/messages`. */
const bodySchema = z
  .strictObject({
    id: z.string().min(1).max(200),
    user: z.string().min(1).max(200),
    text: z.string().min(1).max(4096).optional(),
    choice: z.string().min(1).max(200).optional(),
    name: z.string().min(1).max(200).optional(),
    locale: z.string().min(2).max(35).optional(),
  })
  .refine((b) => b.text !== undefined || b.choice !== undefined, { message: 'expected "text" or "choice"' });

/** Parses a verified body into a normalized message; throws {@link PayloadError} with the reason. */
export function parseInbound(rawBody: Buffer, address: { workspace: string; account: string }): InboundMessage {
  let json: unknown;
  try {
    json = JSON.parse(rawBody.toString('utf8'));
  } catch {
    throw new PayloadError('body is not valid JSON');
  }
  const parsed = bodySchema.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0]!;
    const where = first.path.length ? `"${first.path.join('.')}": ` : '';
    throw new PayloadError(`${where}${first.message}`);
  }
  const b = parsed.data;
  const profile = b.name || b.locale ? { name: b.name, locale: b.locale } : undefined;
  return {
    platformId: b.id,
    address: { workspace: address.workspace, channel: 'api', account: address.account, user: b.user },
    receivedAt: new Date().toISOString(),
    content: b.choice !== undefined ? { type: 'choice', choiceId: b.choice, text: b.text } : { type: 'text', text: b.text! },
    profile,
  };
}
