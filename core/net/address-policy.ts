/**
 * Which addresses a workspace's outbound calls may reach (flow `http` nodes, the CRM and event
 * webhooks, the api channel's webhook): public unicast addresses only, unless the workspace's
 * `outbound.allow` names the host or a range holding the address. Everything else is refused:
 * loopback, private (RFC 1918, IPv6 unique-local), link-local (cloud metadata at 169.254.169.254),
 * CGNAT, multicast, broadcast, unspecified, documentation and reserved ranges, and IPv6 forms that
 * carry an IPv4 address (IPv4-mapped ones are judged as the IPv4 address they carry; NAT64, 6to4
 * and Teredo are refused outright, as they can carry a private one).
 */
import ipaddr from 'ipaddr.js';

/** Why an address is refused (its range, as ipaddr.js names it), or undefined when it is public. */
export function nonPublicRange(address: string): string | undefined {
  if (!ipaddr.isValid(address)) return 'not an IP address';
  // `process` turns an IPv4-mapped IPv6 address (::ffff:127.0.0.1) into the IPv4 one it carries.
  const range = ipaddr.process(address).range();
  return range === 'unicast' ? undefined : range;
}

/** A host as a URL carries it, without the brackets of an IPv6 literal. */
export function bareHost(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}

/** An `outbound.allow` entry: a host name, `*.` and a domain (any name under it), an address or a CIDR range. */
const cidrShape = /^[0-9a-f.:]+\/\d{1,3}$/i;

export function checkAllowEntry(entry: string): string | undefined {
  if (cidrShape.test(entry)) {
    try {
      ipaddr.parseCIDR(entry);
      return undefined;
    } catch {
      return 'expected a CIDR range such as 10.0.0.0/8';
    }
  }
  if (ipaddr.isValid(bareHost(entry))) return undefined;
  return /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i.test(entry)
    ? undefined
    : 'expected a host name, "*.domain", an IP address or a CIDR range';
}

/** The addresses and names one workspace may call beyond the public internet. */
export class AddressPolicy {
  private readonly names = new Set<string>();
  private readonly suffixes: string[] = [];
  private readonly ranges: [ipaddr.IPv4 | ipaddr.IPv6, number][] = [];

  constructor(allow: readonly string[] = []) {
    for (const entry of allow) {
      if (cidrShape.test(entry)) this.ranges.push(ipaddr.parseCIDR(entry));
      else if (ipaddr.isValid(bareHost(entry))) {
        const address = ipaddr.process(bareHost(entry));
        this.ranges.push([address, address.kind() === 'ipv4' ? 32 : 128]);
      } else if (entry.startsWith('*.')) this.suffixes.push(entry.slice(1).toLowerCase());
      else this.names.add(entry.toLowerCase());
    }
  }

  /** Whether the allowlist names this host (so any address it resolves to may be called). */
  allowsName(hostname: string): boolean {
    const name = hostname.toLowerCase().replace(/\.$/, '');
    return this.names.has(name) || this.suffixes.some((suffix) => name.endsWith(suffix));
  }

  /** Undefined when `address` may be called; otherwise why not. */
  refusal(address: string): string | undefined {
    const range = nonPublicRange(address);
    if (!range) return undefined;
    if (!ipaddr.isValid(address)) return range;
    const parsed = ipaddr.process(address);
    const opened = this.ranges.some(([base, bits]) => base.kind() === parsed.kind() && parsed.match(base, bits));
    return opened ? undefined : `${range} address`;
  }
}
