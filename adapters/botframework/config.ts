import { z } from 'zod';
import { channelAccountSchema } from '../../core/config/schema.js';

/**
 * One `botframework` account: one Azure Bot (app registration). Without `appId` authentication is
 * off (the Bot Framework Emulator's local mode) and any caller can post activities: local use only.
 */
export const botFrameworkAccountSchema = channelAccountSchema
  .extend({
    /** MicrosoftAppId of the Azure Bot; empty or absent = emulator mode (no JWT validation, no tokens on replies). */
    appId: z.string().max(100).optional(),
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
      return;
    }
    if (a.appType !== 'UserAssignedMSI' && !a.appPassword) ctx.addIssue({ code: 'custom', path: ['appPassword'], message: `expected the app's password (client secret) with appId` });
    if (a.appType === 'UserAssignedMSI' && a.appPassword) ctx.addIssue({ code: 'custom', path: ['appPassword'], message: 'a UserAssignedMSI app has no password' });
    if (a.appType !== 'MultiTenant' && !a.tenantId) ctx.addIssue({ code: 'custom', path: ['tenantId'], message: `expected tenantId with appType ${a.appType}` });
  });
export type BotFrameworkAccountConfig = z.infer<typeof botFrameworkAccountSchema>;

/** True when the account validates JWTs on inbound requests and signs its replies. */
export function authenticates(config: BotFrameworkAccountConfig): boolean {
  return Boolean(config.appId?.trim());
}
