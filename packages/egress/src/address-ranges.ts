/**
 * The one block list: which IP addresses vcq never connects to on a caller's behalf.
 * A manifest URI, a callback URL, a did:web or a status list URL is chosen by whoever
 * submits the work, so without this check vcq would fetch, for them, from its own
 * network: databases, admin ports, the cloud metadata service (169.254.169.254).
 *
 * IPv6 forms that carry an IPv4 address (IPv4-mapped, -translated, -compatible,
 * NAT64, 6to4, Teredo) are refused outright rather than judged by the address inside:
 * a public server has no reason to be reached that way, and each is a way to spell a
 * private IPv4 address that a naive IPv4 check would miss.
 */
import { isIP } from 'node:net';

/** Why an address is refused, in words an API client can act on. */
export type AddressKind =
  | 'unspecified'
  | 'private'
  | 'shared (CGNAT)'
  | 'loopback'
  | 'link-local'
  | 'reserved'
  | 'documentation'
  | 'benchmarking'
  | 'multicast'
  | 'unique-local'
  | 'site-local'
  | 'IPv4-mapped'
  | 'IPv4-translated'
  | 'IPv4-compatible'
  | 'NAT64'
  | '6to4'
  | 'Teredo'
  | 'discard-only'
  | 'ORCHID';

interface Range {
  base: bigint;
  prefix: number;
  kind: AddressKind;
}

const IPV4_RANGES: Range[] = [
  v4('0.0.0.0', 8, 'unspecified'),
  v4('10.0.0.0', 8, 'private'),
  v4('100.64.0.0', 10, 'shared (CGNAT)'),
  v4('127.0.0.0', 8, 'loopback'),
  v4('169.254.0.0', 16, 'link-local'),
  v4('172.16.0.0', 12, 'private'),
  // IETF protocol assignments (DS-Lite, PCP anycast, ...): never a web server.
  v4('192.0.0.0', 24, 'reserved'),
  v4('192.0.2.0', 24, 'documentation'),
  // The deprecated 6to4 relay anycast prefix.
  v4('192.88.99.0', 24, 'reserved'),
  v4('192.168.0.0', 16, 'private'),
  v4('198.18.0.0', 15, 'benchmarking'),
  v4('198.51.100.0', 24, 'documentation'),
  v4('203.0.113.0', 24, 'documentation'),
  v4('224.0.0.0', 4, 'multicast'),
  // Includes the broadcast address 255.255.255.255.
  v4('240.0.0.0', 4, 'reserved'),
];

// Most specific first: the first match names the kind.
const IPV6_RANGES: Range[] = [
  v6('::', 128, 'unspecified'),
  v6('::1', 128, 'loopback'),
  v6('::ffff:0:0', 96, 'IPv4-mapped'),
  v6('::ffff:0:0:0', 96, 'IPv4-translated'),
  v6('::', 96, 'IPv4-compatible'),
  v6('64:ff9b::', 96, 'NAT64'),
  v6('64:ff9b:1::', 48, 'NAT64'),
  v6('100::', 64, 'discard-only'),
  v6('2001::', 32, 'Teredo'),
  v6('2001:2::', 48, 'benchmarking'),
  v6('2001:10::', 28, 'ORCHID'),
  v6('2001:20::', 28, 'ORCHID'),
  // The rest of the IETF protocol assignments block (2001::/23): not web servers.
  v6('2001::', 23, 'reserved'),
  v6('2001:db8::', 32, 'documentation'),
  v6('2002::', 16, '6to4'),
  v6('3fff::', 20, 'documentation'),
  v6('fc00::', 7, 'unique-local'),
  v6('fe80::', 10, 'link-local'),
  // Deprecated site-local; some networks still route it internally.
  v6('fec0::', 10, 'site-local'),
  v6('ff00::', 8, 'multicast'),
];

// Only 2000::/3 is allocated as global unicast; everything outside it not named above
// (5f00::/16 SRv6 SIDs, unassigned space) is reserved.
const GLOBAL_UNICAST = v6('2000::', 3, 'reserved');

/** The kind of a refused address, or null for a public one. Throws on text that is not an IP. */
export function classifyAddress(address: string): AddressKind | null {
  const family = isIP(address);
  if (family === 4) return match(parseIPv4(address), 32, IPV4_RANGES);
  if (family !== 6) throw new TypeError(`"${address}" is not an IP address`);
  const value = parseIPv6(address);
  return match(value, 128, IPV6_RANGES) ?? (inRange(value, 128, GLOBAL_UNICAST) ? null : 'reserved');
}

function match(value: bigint, bits: number, ranges: Range[]): AddressKind | null {
  return ranges.find((range) => inRange(value, bits, range))?.kind ?? null;
}

function inRange(value: bigint, bits: number, range: Range): boolean {
  const shift = BigInt(bits - range.prefix);
  return value >> shift === range.base >> shift;
}

function v4(address: string, prefix: number, kind: AddressKind): Range {
  return { base: parseIPv4(address), prefix, kind };
}

function v6(address: string, prefix: number, kind: AddressKind): Range {
  return { base: parseIPv6(address), prefix, kind };
}

function parseIPv4(address: string): bigint {
  return address.split('.').reduce((acc, octet) => (acc << 8n) | BigInt(Number(octet)), 0n);
}

/** Parses an address `isIP` accepted as IPv6 into its 128-bit value. */
function parseIPv6(address: string): bigint {
  // A zone id (fe80::1%eth0) names an interface, not part of the address.
  let text = address.split('%')[0] ?? '';
  let tail: bigint[] = [];
  if (text.includes('.')) {
    // A dotted IPv4 tail (::ffff:1.2.3.4) stands for the last two groups.
    const lastColon = text.lastIndexOf(':');
    const v4value = parseIPv4(text.slice(lastColon + 1));
    tail = [v4value >> 16n, v4value & 0xffffn];
    text = text[lastColon - 1] === ':' ? text.slice(0, lastColon + 1) : text.slice(0, lastColon);
  }
  const [head = '', rest] = text.split('::');
  const groups = (part: string | undefined): bigint[] => (part ? part.split(':').map((g) => BigInt(`0x${g}`)) : []);
  const before = groups(head);
  const after = [...groups(rest), ...tail];
  const fill = rest === undefined ? [] : new Array<bigint>(8 - before.length - after.length).fill(0n);
  return [...before, ...fill, ...after].reduce((acc, group) => (acc << 16n) | group, 0n);
}
