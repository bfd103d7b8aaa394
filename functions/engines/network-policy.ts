/**
 * Which addresses a check may connect to. Link-local addresses include the cloud metadata
 * services (169.254.169.254 on AWS, GCP and Azure; fd00:ec2::254 on AWS over IPv6): a check that
 * reaches them from a Lambda worker could read the worker's credentials. So HTTP, TCP and
 * scripted checks refuse them unless the site allows it.
 *
 * The name is resolved once here and the engine connects to the address returned, never to the
 * name again: otherwise a DNS answer that changes between the check and the connect (DNS
 * rebinding) would get round the rule.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { NetworkPolicy } from './engine.ts';

export class BlockedAddressError extends Error {
  constructor(
    readonly target: string,
    readonly address: string,
  ) {
    super(
      target === address
        ? `refusing to connect to ${address}: link-local and cloud metadata addresses are blocked unless the site allows them`
        : `refusing to connect to ${target} (${address}): link-local and cloud metadata addresses are blocked unless the site allows them`,
    );
    this.name = 'BlockedAddressError';
  }
}

/** True for addresses in 169.254.0.0/16, fe80::/10, fd00:ec2::254 and their IPv4-mapped forms. */
export function isBlockedAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return address.startsWith('169.254.');
  if (family !== 6) return false;
  const groups = expandIpv6(address.toLowerCase());
  // IPv4-mapped (::ffff:0:0/96) however written: `::ffff:169.254.169.254`, or `::ffff:a9fe:a9fe`
  // as the URL parser rewrites it. A dual-stack socket connects to the IPv4 address inside.
  if (groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff) {
    const [high = 0, low = 0] = groups.slice(6);
    return isBlockedAddress(`${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`);
  }
  if ((groups[0]! & 0xffc0) === 0xfe80) return true;
  // fd00:ec2::254, the AWS instance metadata service over IPv6.
  return groups.join(':') === [0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254].join(':');
}

/** The eight 16-bit groups of an IPv6 address; a dotted IPv4 tail counts as two. */
function expandIpv6(address: string): number[] {
  const [head = '', tail] = address.replace(/%.*$/, '').split('::');
  const parse = (part: string) =>
    part === ''
      ? []
      : part.split(':').flatMap((group) => {
          if (!group.includes('.')) return [Number.parseInt(group, 16)];
          const [a = 0, b = 0, c = 0, d = 0] = group.split('.').map(Number);
          return [(a << 8) | b, (c << 8) | d];
        });
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  return [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
}

export interface ResolvedTarget {
  /** The address to connect to. */
  address: string;
  family: 4 | 6;
}

/**
 * Resolves `host` (a name or an address literal) and checks every address it resolves to against
 * the policy. Throws BlockedAddressError when one is blocked, and the resolver's error when the
 * name does not resolve.
 */
export async function resolveTarget(host: string, policy: NetworkPolicy): Promise<ResolvedTarget> {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  const family = isIP(bare);
  const addresses = family !== 0 ? [{ address: bare, family }] : await lookup(bare, { all: true, verbatim: true });
  if (!policy.allowMetadataAddresses) {
    const blocked = addresses.find((entry) => isBlockedAddress(entry.address));
    if (blocked) throw new BlockedAddressError(host, blocked.address);
  }
  const first = addresses[0];
  if (!first) throw new Error(`${host} did not resolve to any address`);
  return { address: first.address, family: first.family === 6 ? 6 : 4 };
}
