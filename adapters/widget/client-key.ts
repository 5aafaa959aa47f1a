/**
 * What the handshake limits count a client by: a keyed hash of its address group (IPv4 address,
 * IPv6 /64; core/http/client-address.ts), never the address itself, so Redis key names and logs
 * hold no address. Keyed with the widget account's secret: without it, nobody can walk the
 * IPv4 space to undo the hash from a Redis dump.
 */
import { createHmac } from 'node:crypto';
import { addressGroup } from '../../core/http/client-address.js';

export interface ClientKey {
  /** The key's part in Redis key names (128 bits, base64url). */
  key: string;
  /** Its first characters, for a refusal's log line: enough to tell one flood from many, not to find anyone. */
  short: string;
}

/** The client key of a client address (as `AdapterContext.clientAddress` gives it) for the account signing with `secret`. */
export function clientKey(secret: string, address: string): ClientKey {
  const key = createHmac('sha256', secret)
    .update(`widget-client:${addressGroup(address)}`)
    .digest('base64url')
    .slice(0, 22);
  return { key, short: key.slice(0, 6) };
}
