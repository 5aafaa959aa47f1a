import { z } from 'zod';
import { channelAccountSchema } from '../../core/config/schema.js';

/**
 * One `botframework` account: one Azure Bot (app registration). Without `appId` authentication is
 * off (the Bot Framework Emulator's local mode) and any caller can post activities: local use only.
 */
export const botFrameworkAccountSchema = channelAccountSchema
  .extend({
    /** MicrosoftAppId of the Azure Bot; empty or absent needs `emulator: true` (no JWT validation, no tokens on replies). */
    appId: z.string().max(100).optional(),
    /**
     * Local testing with the Bot Framework Emulator: no appId, no authentication. Must be said
     * explicitly, and only activities whose `serviceUrl` is on this machine (loopback) are taken,
     * so an open endpoint cannot be used to make the hub post to other hosts.
     */
    emulator: z.boolean().default(false),
    /** MicrosoftAppPassword (client secret); not used with `UserAssignedMSI`. */
    appPassword: z.string().max(500).optional(),
    /** MicrosoftAppType: how the app registration is set up in Azure. */
    appType: z.enum(['MultiTenant', 'SingleTenant', 'UserAssignedMSI']).default('MultiTenant'),
    /** MicrosoftAppTenantId, required for `SingleTenant` and `UserAssignedMSI`. */
    tenantId: z.string().max(100).optional(),
    /**
     * How many choices are shown as suggested actions (more become a numbered list). Teams shows
     * only the first 3 (see README.md), so a Teams bot should set 3.
     */
    maxChoices: z.number().int().min(0).max(100).default(10),
    /** Give up on one send to the connector after this long (the queue retries). */
    timeoutMs: z.number().int().min(100).max(60_000).default(10_000),
  })
  .strict()
  .superRefine((a, ctx) => {
    const appId = a.appId?.trim();
    if (!appId) {
      if (a.appPassword) ctx.addIssue({ code: 'custom', path: ['appPassword'], message: 'appPassword is set but appId is not' });
      if (!a.emulator)
        ctx.addIssue({ code: 'custom', path: ['appId'], message: 'expected appId (or `emulator: true` for local testing without authentication)' });
      return;
    }
    if (a.emulator) ctx.addIssue({ code: 'custom', path: ['emulator'], message: 'emulator mode is for accounts without appId' });
    if (a.appType !== 'UserAssignedMSI' && !a.appPassword)
      ctx.addIssue({ code: 'custom', path: ['appPassword'], message: `expected the app's password (client secret) with appId` });
    if (a.appType === 'UserAssignedMSI' && a.appPassword)
      ctx.addIssue({ code: 'custom', path: ['appPassword'], message: 'a UserAssignedMSI app has no password' });
    if (a.appType !== 'MultiTenant' && !a.tenantId)
      ctx.addIssue({ code: 'custom', path: ['tenantId'], message: `expected tenantId with appType ${a.appType}` });
  });
export type BotFrameworkAccountConfig = z.infer<typeof botFrameworkAccountSchema>;

/** True when the account validates JWTs on inbound requests and signs its replies. */
export function authenticates(config: BotFrameworkAccountConfig): boolean {
  return Boolean(config.appId?.trim());
}

/** In emulator mode replies may only go back to this machine (the Emulator or a local fake connector). */
export function isLoopbackServiceUrl(serviceUrl: unknown): boolean {
  if (typeof serviceUrl !== 'string') return false;
  try {
    const host = new URL(serviceUrl).hostname;
    return host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
  } catch {
    return false;
  }
}
