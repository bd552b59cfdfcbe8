/**
 * Which IP addresses a webhook must never be sent to. A callback URL is chosen by
 * whoever submits a job, so without this check vcq would POST, on their behalf, to
 * its own network: databases, admin ports, the cloud metadata service (169.254.169.254).
 */
import { isIP } from 'node:net';

/** Why an address is refused, in words an API client can act on. */
export type AddressKind = 'private' | 'loopback' | 'link-local' | 'unspecified' | 'multicast' | 'reserved' | 'unique-local' | 'shared (CGNAT)';

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
  v4('192.0.0.0', 24, 'reserved'),
  v4('192.168.0.0', 16, 'private'),
  v4('198.18.0.0', 15, 'reserved'),
  v4('224.0.0.0', 4, 'multicast'),
  // Includes the broadcast address 255.255.255.255.
  v4('240.0.0.0', 4, 'reserved'),
];

const IPV6_RANGES: Range[] = [
  v6('::', 128, 'unspecified'),
  v6('::1', 128, 'loopback'),
  v6('fc00::', 7, 'unique-local'),
  v6('fe80::', 10, 'link-local'),
  // Deprecated site-local; some networks still route it internally.
  v6('fec0::', 10, 'private'),
  v6('ff00::', 8, 'multicast'),
];

// IPv6 forms that carry an IPv4 address in their last 32 bits and reach it:
// IPv4-mapped (::ffff:a.b.c.d), the deprecated IPv4-compatible (::a.b.c.d) and
// NAT64 (64:ff9b::a.b.c.d). Each is judged by the IPv4 address inside.
const EMBEDS_IPV4: Range[] = [
  v6('::ffff:0:0', 96, 'reserved'),
  v6('::', 96, 'reserved'),
  v6('64:ff9b::', 96, 'reserved'),
];

/** The kind of a refused address, or null for a public one. Throws on text that is not an IP. */
export function classifyAddress(address: string): AddressKind | null {
  const family = isIP(address);
  if (family === 4) return match(parseIPv4(address), 32, IPV4_RANGES);
  if (family !== 6) throw new TypeError(`"${address}" is not an IP address`);

  const value = parseIPv6(address);
  // :: and ::1 sit inside ::/96 but are IPv6's own unspecified and loopback addresses.
  const own = match(value, 128, IPV6_RANGES);
  if (own) return own;
  if (EMBEDS_IPV4.some((range) => inRange(value, 128, range))) {
    return match(value & 0xffff_ffffn, 32, IPV4_RANGES);
  }
  return null;
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
