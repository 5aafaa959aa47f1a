import { CloudAdapter, ConfigurationBotFrameworkAuthentication } from 'botbuilder';
import { authenticates, type BotFrameworkAccountConfig } from './config.js';

/**
 * The account's CloudAdapter. Its credentials decide both directions: with an app id, inbound
 * requests need a valid Bot Framework JWT and replies carry a token for the app; without one,
 * neither (the Emulator's mode), and replies go to whatever `serviceUrl` the activity named.
 * https://learn.microsoft.com/en-us/azure/bot-service/rest-api/bot-framework-rest-connector-authentication
 */
export function createCloudAdapter(config: BotFrameworkAccountConfig): CloudAdapter {
  const options = authenticates(config)
    ? {
        MicrosoftAppId: config.appId!.trim(),
        MicrosoftAppPassword: config.appPassword ?? '',
        MicrosoftAppType: config.appType,
        MicrosoftAppTenantId: config.tenantId ?? '',
      }
    : { MicrosoftAppId: '' };
  return new CloudAdapter(new ConfigurationBotFrameworkAuthentication(options));
}
