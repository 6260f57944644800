import { lookup as dnsLookup, LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { DomainError } from '@lib/eventstore';

export const MAX_WEBHOOK_URL_LENGTH = 2048;

/**
 * Only global unicast addresses are reachable from webhooks: loopback, private, link-local (the cloud metadata
 * address 169.254.169.254 among them), unique-local, carrier-grade NAT, multicast, unspecified (0.0.0.0, ::),
 * reserved and the IPv6 forms that embed an IPv4 address (mapped, NAT64, 6to4, Teredo) are refused. An
 * IPv4-mapped IPv6 address is judged as the IPv4 address it carries.
 */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  return parsed.range() === 'unicast';
}

/** the syntax rules of a webhook URL (no network): http(s), a host, no credentials, no fragment, bounded length */
export function parseWebhookUrl(raw: string): URL {
  const refuse = (why: string): never => {
    throw new DomainError('unprocessable', `webhook URL refused: ${why}`, 'webhook-url-refused', { reason: why });
  };
  if (typeof raw !== 'string' || raw.length > MAX_WEBHOOK_URL_LENGTH) refuse(`at most ${MAX_WEBHOOK_URL_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return refuse('not a valid absolute URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') refuse('only http and https URLs are allowed');
  if (url.username || url.password) refuse('credentials in the URL are not allowed (the signature authenticates us)');
  if (url.hash) refuse('a fragment is never sent; leave it out');
  if (!url.hostname) refuse('the URL has no host');
  return url;
}

export type Resolver = (hostname: string) => Promise<LookupAddress[]>;

export const systemResolver: Resolver = (hostname) =>
  new Promise((resolve, reject) => dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) => (error ? reject(error) : resolve(addresses))));

/**
 * Resolves a host and checks every address it resolves to; answers the addresses to connect to. The sender
 * connects to exactly these (its `lookup` is this function), so a DNS answer that changes between the check
 * and the connection (rebinding) never reaches a private address.
 */
export async function resolvePublic(hostname: string, allowPrivate: boolean, resolve: Resolver = systemResolver): Promise<LookupAddress[]> {
  const bare = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  const family = isIP(bare);
  const addresses = family ? [{ address: bare, family }] : await resolve(bare);
  if (addresses.length === 0) throw new WebhookAddressError(`${hostname} resolves to no address`);
  if (!allowPrivate) {
    const refused = addresses.find((a) => !isPublicAddress(a.address));
    if (refused) throw new WebhookAddressError(`${hostname} resolves to ${refused.address}, which is not a public address`);
  }
  return addresses;
}

export class WebhookAddressError extends Error {
  override readonly name = 'WebhookAddressError';
}

/** at registration and update: the syntax, then where it resolves now (delivery checks again every time) */
export async function checkWebhookUrl(raw: string, allowPrivate: boolean, resolve?: Resolver): Promise<URL> {
  const url = parseWebhookUrl(raw);
  try {
    await resolvePublic(url.hostname, allowPrivate, resolve);
  } catch (error) {
    const reason = error instanceof WebhookAddressError ? error.message : `${url.hostname} does not resolve`;
    throw new DomainError('unprocessable', `webhook URL refused: ${reason}`, 'webhook-url-refused', { reason });
  }
  return url;
}
