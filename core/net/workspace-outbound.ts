import { AddressPolicy } from './address-policy.js';
import { OutboundClient } from './outbound.js';

/** The part of a workspace's config its outbound calls obey. */
export interface OutboundSettings {
  outbound: { allow: readonly string[] };
}

const clients = new WeakMap<OutboundSettings, OutboundClient>();

/**
 * The outbound client of a workspace (its allowlist, its connection pool), made once per loaded
 * config: every flow `http` node, CRM, event and api-channel webhook of the workspace goes through it.
 */
export function outboundFor(workspace: OutboundSettings): OutboundClient {
  let client = clients.get(workspace);
  if (!client) {
    client = new OutboundClient(new AddressPolicy(workspace.outbound.allow));
    clients.set(workspace, client);
  }
  return client;
}
