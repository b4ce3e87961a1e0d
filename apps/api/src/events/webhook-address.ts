import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import ipaddr from 'ipaddr.js';

/**
 * Where a webhook may not be sent: the API's own host (loopback), link-local addresses (the cloud
 * metadata service at 169.254.169.254), the unspecified address, broadcast and multicast, the IPv6
 * forms that carry an IPv4 address to a translator, and the other clouds' metadata addresses. A
 * private LAN (a Home Assistant at 192.168.1.20) stays allowed. Only the operator can open one
 * address, in the environment (FACEGATE_WEBHOOK_ALLOW): nothing in the API can.
 */
const BLOCKED_RANGES: Readonly<Record<string, string>> = {
  unspecified: 'the unspecified address',
  loopback: 'a loopback address (this host)',
  linkLocal: 'a link-local address (e.g. the cloud metadata service)',
  broadcast: 'a broadcast address',
  multicast: 'a multicast address',
  rfc6145: 'an IPv4-translated address',
  rfc6052: 'an IPv4-embedded (NAT64) address',
  '6to4': 'a 6to4 address',
  teredo: 'a Teredo address',
};
const METADATA = new Set(['fd00:ec2::254', '100.100.100.200']);

/** One address the operator opened, on one port or on all (port null). */
export interface AllowedAddress {
  readonly address: string;
  readonly port: number | null;
}

/** The canonical text of an address; IPv4-mapped IPv6 (::ffff:127.0.0.1) is the IPv4 address it maps. */
function canonical(address: string): string | null {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  return ipaddr.isValid(bare) ? ipaddr.process(bare).toString() : null;
}

/**
 * FACEGATE_WEBHOOK_ALLOW: comma-separated addresses, each with an optional port
 * (`127.0.0.1:1880, [::1]:8080, 169.254.10.1`). A bad entry stops the start, rather than being ignored.
 */
export function parseWebhookAllowList(text: string | undefined): AllowedAddress[] {
  if (!text?.trim()) return [];
  return text.split(',').map((raw) => {
    const entry = raw.trim();
    const match = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry) ?? /^([^:]+)(?::(\d+))?$/.exec(entry) ?? [entry, entry, undefined];
    const address = canonical(match[1]!);
    const port = match[2] === undefined ? null : Number(match[2]);
    if (!address || (port !== null && (port < 1 || port > 65_535)))
      throw new Error(`FACEGATE_WEBHOOK_ALLOW: "${entry}" is not an address with an optional port (e.g. 127.0.0.1:1880 or [::1]:8080)`);
    return { address, port };
  });
}

/** Why a webhook may not reach this address on this port; null when it may. */
export function refusedAddress(address: string, port: number, allow: readonly AllowedAddress[]): string | null {
  const normal = canonical(address);
  if (!normal) return `${address} is not an IP address`;
  if (allow.some((a) => a.address === normal && (a.port === null || a.port === port))) return null;
  const parsed = ipaddr.parse(normal);
  const why = METADATA.has(normal) ? 'a cloud metadata address' : BLOCKED_RANGES[parsed.range()];
  return why ? `${address} is ${why}; webhooks are not sent there unless FACEGATE_WEBHOOK_ALLOW opens it` : null;
}

/** The port a URL goes to. */
export function portOf(url: URL): number {
  return url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
}

/**
 * What the URL's host says before any DNS: an address literal (in any spelling: the URL parser turns
 * 2130706433, 0x7f000001 and 127.1 into 127.0.0.1) or `localhost`, checked; a name is checked when
 * it is resolved, at each delivery. Null when it may be tried.
 */
export function refusedHost(url: URL, allow: readonly AllowedAddress[]): string | null {
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost'))
    return (
      refusedAddress('127.0.0.1', portOf(url), allow) &&
      `${host} is this host; webhooks are not sent there unless FACEGATE_WEBHOOK_ALLOW opens it`
    );
  return ipaddr.isValid(host) ? refusedAddress(host, portOf(url), allow) : null;
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for http.request: resolves the name, drops the addresses a webhook may not reach, and
 * connects only to one that is left (so a DNS answer cannot send it to this host, even when it
 * changes between two lookups: the address checked is the one connected to).
 */
export function guardedLookup(port: number, allow: readonly AllowedAddress[]) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      const reachable = addresses.filter((a) => refusedAddress(a.address, port, allow) === null);
      if (reachable.length === 0) {
        const refusal = Object.assign(new Error(`refused: ${hostname} resolves to ${refusedAddress(addresses[0]!.address, port, allow)}`), {
          code: 'EWEBHOOKREFUSED',
        });
        return callback(refusal, []);
      }
      if (options.all) callback(null, reachable);
      else callback(null, reachable[0]!.address, reachable[0]!.family);
    });
  };
}
