/**
 * HTTP calls to addresses a workspace or a flow controls, checked against the workspace's
 * {@link AddressPolicy}:
 * - an IP literal (decimal, octal and hex forms included: the URL parser has already turned
 *   `http://2130706433/` and `http://0x7f.1/` into 127.0.0.1) is checked before connecting;
 * - a name is checked on the addresses it resolves to, inside the connection's own look-up, so
 *   the address checked is the address connected to (a name that answers a public address to a
 *   first look-up and 127.0.0.1 to the next, DNS rebinding, gains nothing);
 * - redirects are refused unless the caller allows some: then only 307 and 308 (which keep the
 *   method and body: a webhook answered by a redirect to a GET would lose what it carried) are
 *   followed, each hop checked again, at most `maxRedirects` of them.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import type { LookupAddress } from 'node:dns';
import { Agent, fetch, request as undiciRequest, type Response } from 'undici';
import type { AddressPolicy } from './address-policy.js';
import { bareHost } from './address-policy.js';

/** Stands in for DNS in tests: a name's addresses, as `dns.lookup(name, { all: true })` gives them. */
export type Resolver = (hostname: string) => Promise<LookupAddress[]>;

/** The call was not made: its address (or a redirect) is not allowed. `reason` is safe to log and to show a flow. */
export class OutboundRefused extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'OutboundRefused';
  }
}

export interface OutboundRequest {
  method: string;
  headers: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
  /** Redirects followed (307 and 308 only, each checked again); 0, the default, refuses any. */
  maxRedirects?: number;
}

export type { Response };

/** What {@link OutboundClient.send} got back: the status, and the headers by lower-case name. */
export interface OutboundAnswer {
  status: number;
  ok: boolean;
  header(name: string): string | undefined;
}

/** A header of an undici `request` answer by lower-case name (the first, when it came more than once). */
export function firstHeader(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

const systemResolver: Resolver = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** One workspace's outbound calls: its policy, and one connection pool whose every connection passed it. */
export class OutboundClient {
  private readonly agent: Agent;

  constructor(
    readonly policy: AddressPolicy,
    resolve: Resolver = systemResolver,
  ) {
    this.agent = new Agent({
      connect: {
        // net.connect and tls.connect call this for every name (never for an IP literal, checked before).
        lookup: (hostname: string, options: { all?: boolean }, callback: LookupCallback) => {
          resolve(hostname).then(
            (addresses) => {
              const refused = policy.allowsName(hostname) ? undefined : addresses.map((a) => policy.refusal(a.address)).find(Boolean);
              if (refused) return callback(Object.assign(new OutboundRefused(`${hostname} resolves to a ${refused}`), { code: 'EREFUSED_ADDRESS' }), '');
              if (!addresses.length) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '');
              if (options.all) return callback(null, addresses);
              callback(null, addresses[0]!.address, addresses[0]!.family);
            },
            (err: NodeJS.ErrnoException) => callback(err, ''),
          );
        },
      } as never,
    });
  }

  /** Refuses `url` before any connection when its scheme or literal address is not allowed. */
  check(url: URL): void {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new OutboundRefused(`scheme ${url.protocol} refused`);
    const host = bareHost(url.hostname);
    if (this.policy.allowsName(host)) return;
    // A name is checked once resolved, at connect; only a literal can be judged now.
    const refused = /^[\d.]+$/.test(host) || host.includes(':') ? this.policy.refusal(host) : undefined;
    if (refused) throw new OutboundRefused(`${refused} refused`);
  }

  /** Performs the request; throws {@link OutboundRefused} for a refused address or redirect, or fetch's own errors. */
  async fetch(target: string, request: OutboundRequest): Promise<Response> {
    return this.following(target, request.maxRedirects, async (url) => {
      const response = await fetch(url, {
        method: request.method,
        headers: request.headers,
        ...(request.body !== undefined ? { body: request.body } : {}),
        redirect: 'manual',
        dispatcher: this.agent,
        ...(request.signal ? { signal: request.signal } : {}),
      });
      return {
        status: response.status,
        location: response.headers.get('location') ?? undefined,
        answer: response,
        discard: async () => void (await response.body?.cancel()),
      };
    });
  }

  /**
   * Performs a request whose answer matters only by its status and headers (a webhook's POST):
   * the body is read and dropped. It costs less CPU than {@link fetch} (no WHATWG streams,
   * Headers or Response objects), which counts on every reply a turn delivers to a webhook.
   */
  async send(target: string, request: OutboundRequest): Promise<OutboundAnswer> {
    return this.following(target, request.maxRedirects, async (url) => {
      const answer = await undiciRequest(url, {
        method: request.method as 'POST',
        headers: request.headers,
        ...(request.body !== undefined ? { body: request.body } : {}),
        dispatcher: this.agent,
        ...(request.signal ? { signal: request.signal } : {}),
      });
      await answer.body.dump().catch(() => undefined);
      const header = (name: string) => firstHeader(answer.headers, name);
      const status = answer.statusCode;
      return { status, location: header('location'), answer: { status, ok: status >= 200 && status < 300, header }, discard: async () => undefined };
    });
  }

  /** Makes a call, following 307/308 redirects up to `maxRedirects` (each hop checked again), refusing every other. */
  private async following<T>(
    target: string,
    maxRedirects = 0,
    call: (url: URL) => Promise<{ status: number; location: string | undefined; answer: T; discard(): Promise<void> }>,
  ): Promise<T> {
    let url = new URL(target);
    for (let hop = 0; ; hop++) {
      this.check(url);
      const result = await call(url).catch((err: unknown) => {
        throw refusalIn(err) ?? err;
      });
      if (result.status < 300 || result.status > 399 || !result.location) return result.answer;
      await result.discard().catch(() => undefined);
      if (hop >= maxRedirects || (result.status !== 307 && result.status !== 308)) throw new OutboundRefused('redirect refused');
      url = new URL(result.location, url);
    }
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

/** The refusal a connection's look-up raised, which fetch wraps as the cause of a TypeError. */
function refusalIn(err: unknown): OutboundRefused | undefined {
  for (let e = err as { cause?: unknown } | undefined, depth = 0; e && depth < 4; e = e.cause as typeof e, depth++) {
    if (e instanceof OutboundRefused) return e;
  }
  return undefined;
}
