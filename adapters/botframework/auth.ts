import { CloudAdapter, ConfigurationBotFrameworkAuthentication, type Activity, type TurnContext } from 'botbuilder';
import { SignatureError } from '../../core/errors.js';
import { authenticates, type BotFrameworkAccountConfig } from './config.js';

/** What botbuilder answered an activity with (an invoke's status and body, or 200). */
export interface ProcessResult {
  status: number;
  body?: unknown;
}

/**
 * botbuilder's CloudAdapter, taking an activity we parsed ourselves. `CloudAdapter.process`
 * would `console.error` every refused token with its stack: on a public endpoint that is one
 * trace per probe, outside our logger. This runs the same `processActivity` (token check, then the
 * turn) and throws a refused token as our {@link SignatureError}: 401 and one warning line
 * (core/http/app.ts), without the token.
 */
export class BotFrameworkAdapter extends CloudAdapter {
  async processParsed(authorization: string, activity: Record<string, unknown>, logic: (turn: TurnContext) => Promise<void>): Promise<ProcessResult> {
    try {
      const invoke = await this.processActivity(authorization, withDates(activity), logic);
      return { status: invoke?.status ?? 200, body: invoke?.body };
    } catch (err) {
      // botframework-connector's AuthenticationError (not exported by botbuilder) carries a 4xx `statusCode`.
      const status = (err as { statusCode?: unknown }).statusCode;
      if (typeof status === 'number' && status >= 400 && status < 500) throw new SignatureError((err as Error).message || 'invalid bearer token');
      throw err;
    }
  }
}

/** What `CloudAdapter.process` does to the body before a turn (botbuilder's `validateAndFixActivity`): its times as Dates. */
function withDates(body: Record<string, unknown>): Activity {
  const activity = { ...body } as Record<string, unknown>;
  for (const [field, raw] of [
    ['timestamp', 'rawTimestamp'],
    ['expiration', 'rawExpiration'],
    ['localTimestamp', 'rawLocalTimestamp'],
  ] as const) {
    const value = activity[field];
    if (typeof value === 'string') Object.assign(activity, { [raw]: value, [field]: new Date(value) });
  }
  return activity as unknown as Activity;
}

/**
 * The account's adapter. Its credentials decide both directions: with an app id, inbound
 * requests need a valid Bot Framework JWT and replies carry a token for the app; without one,
 * neither (the Emulator's mode), and replies go to whatever `serviceUrl` the activity named.
 * https://learn.microsoft.com/en-us/azure/bot-service/rest-api/bot-framework-rest-connector-authentication
 */
export function createCloudAdapter(config: BotFrameworkAccountConfig): BotFrameworkAdapter {
  const options = authenticates(config)
    ? {
        MicrosoftAppId: config.appId!.trim(),
        MicrosoftAppPassword: config.appPassword ?? '',
        MicrosoftAppType: config.appType,
        MicrosoftAppTenantId: config.tenantId ?? '',
      }
    : { MicrosoftAppId: '' };
  return new BotFrameworkAdapter(new ConfigurationBotFrameworkAuthentication(options));
}
