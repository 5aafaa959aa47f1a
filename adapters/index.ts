import { AdapterRegistry } from '../core/registry.js';
import { apiAccountSchema, apiCapabilities, createApiAdapter } from './api/index.js';
import { botFrameworkAccountSchema, botFrameworkCapabilities, createBotFrameworkAdapter } from './botframework/index.js';
import { createMessengerAdapter, messengerAccountSchema, messengerCapabilities } from './messenger/index.js';
import { createTelegramAdapter, telegramAccountSchema, telegramCapabilities } from './telegram/index.js';
import { createWhatsAppAdapter, whatsappAccountSchema, whatsappCapabilities } from './whatsapp/index.js';
import { createWidgetAdapter, widgetAccountSchema, widgetCapabilities } from './widget/index.js';

/** Every built-in channel. Adding a channel adds one line here and one folder beside it. */
export function builtinRegistry(): AdapterRegistry {
  return new AdapterRegistry().register('api', { schema: apiAccountSchema, create: createApiAdapter, capabilities: apiCapabilities })
    .register('botframework', { schema: botFrameworkAccountSchema, create: createBotFrameworkAdapter, capabilities: botFrameworkCapabilities })
    .register('messenger', { schema: messengerAccountSchema, create: createMessengerAdapter, capabilities: messengerCapabilities })
    .register('telegram', { schema: telegramAccountSchema, create: createTelegramAdapter, capabilities: telegramCapabilities })
    .register('whatsapp', { schema: whatsappAccountSchema, create: createWhatsAppAdapter, capabilities: whatsappCapabilities })
    .register('widget', { schema: widgetAccountSchema, create: createWidgetAdapter, capabilities: widgetCapabilities });
}
