import { z } from 'zod';
import type { AdapterContext, LinkEvents, ChannelAccount, ChannelAdapter, TypingTarget } from '../../core/adapter.js';
import { defineChannel } from '../../core/channel.js';
import type { OutboundMessage } from '../../core/message.js';
import { cloudTransport } from './cloud/index.js';
import type { CloudAccountConfig } from './cloud/config.js';
import { registerWhatsAppCommands } from './commands.js';
import type { WhatsAppTransport } from './transport.js';
import type { WebAccountConfig } from './web/config.js';
import { webTransport } from './web/index.js';
import { whatsappPrivacy } from './privacy.js';
import { sessionBucket } from './web/session-store.js';

/** One account of the `whatsapp` channel: a Cloud API number or a WhatsApp Web session. */
export type WhatsAppAccountConfig = CloudAccountConfig | WebAccountConfig;

/**
 * An account is a Cloud API number or a WhatsApp Web session, chosen by `transport`. Dispatched on
 * `transport` rather than a plain union, so a mistake is reported against that transport's fields
 * (a union would list every branch's complaints).
 */
export const whatsappAccountSchema = z
  .looseObject({ transport: z.enum(['cloud', 'web'], { error: 'expected "cloud" (the Cloud API) or "web" (WhatsApp Web, linked by QR)' }) })
  .transform((account, ctx): WhatsAppAccountConfig => {
    const parsed =
      account.transport === 'cloud'
        ? cloudTransport.schema.safeParse(account, { reportInput: true })
        : webTransport.schema.safeParse(account, { reportInput: true });
    if (parsed.success) return parsed.data;
    ctx.issues.push(...(parsed.error.issues as typeof ctx.issues));
    return z.NEVER;
  });

/** The channel's default (the Cloud API's): what flow checks hold choices to. */
const whatsappCapabilities = cloudTransport.capabilities;

const isCloud = (a: ChannelAccount<WhatsAppAccountConfig>): a is ChannelAccount<CloudAccountConfig> => a.config.transport === 'cloud';
const isWeb = (a: ChannelAccount<WhatsAppAccountConfig>): a is ChannelAccount<WebAccountConfig> => a.config.transport === 'web';

export function createWhatsAppAdapter(accounts: ChannelAccount<WhatsAppAccountConfig>[]): ChannelAdapter {
  const transportOf = new Map<string, WhatsAppTransport>();
  const built: WhatsAppTransport[] = [];
  // In the order the config first names each transport.
  for (const name of new Set(accounts.map((a) => a.config.transport))) {
    const transport = name === 'cloud' ? cloudTransport.create(accounts.filter(isCloud)) : webTransport.create(accounts.filter(isWeb));
    built.push(transport);
    for (const a of accounts) if (a.config.transport === name) transportOf.set(a.account, transport);
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
      for (const t of built) await t.start(ctx);
    },
    send: (message: OutboundMessage) => of(message.address.account).send(message),
    // The Cloud API transport has none (README.md); the core asks only accounts whose capabilities say typing.
    async typing(target: TypingTarget) {
      await of(target.address.account).typing?.(target);
    },
    async stop() {
      await Promise.all(built.map((t) => t.stop()));
    },
    accountState: async (account: string) => (await of(account).accountState?.(account)) ?? { intake: { mode: 'webhook' } },
    async link(account: string, events: LinkEvents) {
      const transport = of(account);
      if (!transport.link) throw new Error(`whatsapp account "${account}" uses the Cloud API: nothing to link by QR`);
      return transport.link(account, events);
    },
  };
}

export const whatsapp = defineChannel({
  id: 'whatsapp',
  accountSchema: whatsappAccountSchema,
  capabilities: whatsappCapabilities,
  create: createWhatsAppAdapter,
  // `switchboard whatsapp login <account>`: link a WhatsApp Web number by QR.
  commands: registerWhatsAppCommands,
  // WhatsApp Web sessions (RemoteAuth zips), one file per account.
  collections: { buckets: [sessionBucket], privacy: whatsappPrivacy },
  // Cloud API events are routed by the number's id (cloud/index.ts); a WhatsApp Web account is reached through its own session.
  routingKeys: (account) => (account.transport === 'cloud' ? [{ path: ['phoneNumberId'], name: 'phoneNumberId', value: account.phoneNumberId }] : []),
});
