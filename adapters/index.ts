import { AdapterRegistry } from '../core/registry.js';
import { apiAccountSchema, apiCapabilities, createApiAdapter } from './api/index.js';

/** Every built-in channel. Adding a channel adds one line here and one folder beside it. */
export function builtinRegistry(): AdapterRegistry {
  return new AdapterRegistry().register('api', { schema: apiAccountSchema, create: createApiAdapter, capabilities: apiCapabilities });
}
