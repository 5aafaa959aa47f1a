import { z } from 'zod';
import type { AdapterContext, ChannelAccount, ChannelAdapter } from '../../core/adapter.js';
import type { OutboundMessage } from '../../core/message.js';
import { cloudTransport } from './cloud/index.js';
import type { WhatsAppTransport } from './transport.js';
import { webTransport } from './web/index.js';

const transports = { cloud: cloudTransport, web: webTransport } as const;
type TransportName = keyof typeof transports;

/**
 * An account is a Cloud API number or a WhatsApp Web session, chosen by `transport`. Dispatched on
 * `transport` rather than a plain union, so a mistake is reported against that transport's fields
 * (a union would list every branch's complaints).
 */
export const whatsappAccountSchema = z
  .looseObject({ transport: z.enum(['cloud', 'web'], { error: 'expected "cloud" (the Cloud API) or "web" (WhatsApp Web, linked by QR)' }) })
  .transform((account, ctx) => {
    const parsed = transports[account.transport].schema.safeParse(account, { reportInput: true });
    if (parsed.success) return parsed.data as typeof account;
    ctx.issues.push(...(parsed.error.issues as typeof ctx.issues));
    return z.NEVER;
  });

/** The channel's default (the Cloud API's): what flow checks hold choices to. */
export const whatsappCapabilities = cloudTransport.capabilities;

export function createWhatsAppAdapter(accounts: ChannelAccount[]): ChannelAdapter {
  const byTransport = new Map<TransportName, ChannelAccount[]>();
  const transportOf = new Map<string, WhatsAppTransport>();
  for (const a of accounts) {
    const name = (a.config as { transport: TransportName }).transport;
    byTransport.set(name, [...(byTransport.get(name) ?? []), a]);
  }
  const built = new Map<TransportName, WhatsAppTransport>();
  for (const [name, list] of byTransport) {
    const transport = transports[name].create(list);
    built.set(name, transport);
    for (const a of list) transportOf.set(a.account, transport);
  }
  const of = (account: string): WhatsAppTransport => {
    const t = transportOf.get(account);
    if (!t) throw new Error(`whatsapp account "${account}" is not configured`);
    return t;
  };

  return {
    channel: 'whatsapp',
    capabilities: whatsappCapabilities,
    capabilitiesFor: (account) => transportOf.get(account)?.capabilities ?? whatsappCapabilities,
    async start(ctx: AdapterContext) {
      for (const t of built.values()) await t.start(ctx);
    },
    send: (message: OutboundMessage) => of(message.address.account).send(message),
    async stop() {
      await Promise.all([...built.values()].map((t) => t.stop()));
    },
  };
}
