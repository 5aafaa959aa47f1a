import { isIP } from 'node:net';

/**
 * Whether a listen address only accepts connections from this machine: `localhost`, 127.0.0.0/8,
 * `::1` (also as an IPv4-mapped address or in brackets). Anything else, `0.0.0.0`, `::`, a
 * hostname, counts as reachable from elsewhere: a name could resolve to anything.
 */
export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice('::ffff:'.length) : h;
  if (isIP(v4) === 4) return v4.split('.')[0] === '127';
  return isIP(h) === 6 && /^(0{0,4}:){7}0{0,3}1$|^::1$/.test(h);
}
