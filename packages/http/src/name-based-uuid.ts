import { createHash } from 'node:crypto';

// vcq's namespace for name-based UUIDs (RFC 9562 §5.5).
const NAMESPACE = Buffer.from('5a1c3b9e7f2d4e6a8b0c1d2e3f405162', 'hex');

/** A name-based (version 5, SHA-1) UUID in vcq's namespace: the same name, the same UUID. */
export function nameBasedUuid(name: string): string {
  const bytes = createHash('sha1').update(NAMESPACE).update(name).digest().subarray(0, 16);
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
