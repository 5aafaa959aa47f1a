import { AdapterRegistry } from '../core/registry.js';
import { api } from './api/index.js';
import { botframework } from './botframework/index.js';
import { messenger } from './messenger/index.js';
import { telegram } from './telegram/index.js';
import { whatsapp } from './whatsapp/index.js';
import { widget } from './widget/index.js';

/** Every built-in channel. Adding a channel adds one line here and one folder beside it (see `defineChannel`). */
export function builtinRegistry(): AdapterRegistry {
  return new AdapterRegistry().register(api).register(botframework).register(messenger).register(telegram).register(whatsapp).register(widget);
}
