/**
 * Who is on the other end of a request: the peer's address, or behind `server.trustProxy`
 * reverse proxies the address the outermost trusted one saw (X-Forwarded-For, read from the
 * right, `trustProxy` entries deep, as express's `trust proxy` does). Limits per client key on
 * {@link addressGroup}, so one IPv6 host cannot step around them by using the next address of
 * its /64.
 */
import type { IncomingMessage } from 'node:http';
import ipaddr from 'ipaddr.js';
import proxyAddr from 'proxy-addr';

/** The client's address as express's `req.ip` would give it with `trust proxy` = `trustedHops`. */
export function clientAddress(req: IncomingMessage, trustedHops: number): string {
  // As express compiles a numeric `trust proxy`: the peer and the next `trustedHops - 1` addresses are proxies.
  return proxyAddr(req, (_address, hop) => hop < trustedHops) ?? 'unknown';
}

/**
 * The key one client is limited by: an IPv4 address as is (an IPv4-mapped IPv6 one as IPv4), an
 * IPv6 address as its /64 network (`2001:db8:1:2::/64`), since one subscriber gets a whole /64.
 */
export function addressGroup(address: string): string {
  if (!ipaddr.isValid(address)) return address;
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  if (parsed.kind() === 'ipv4') return parsed.toString();
  const parts = (parsed as ipaddr.IPv6).parts.slice(0, 4);
  return `${new ipaddr.IPv6([...parts, 0, 0, 0, 0]).toString()}/64`;
}
