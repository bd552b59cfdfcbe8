/**
 * Multikey encoding of Ed25519 public keys: multicodec `ed25519-pub` (varint 0xed,
 * i.e. bytes 0xed 0x01) followed by the raw key, multibase base58btc (`z`). This is
 * both the did:key method-specific id and the `publicKeyMultibase` of a Multikey.
 */
// @scure/base: small, audited, dependency-free base58btc; node:crypto has no base58.
import { base58 } from '@scure/base';
import { assertStrictEd25519PublicKey, ED25519_PUBLIC_KEY_BYTES } from './ed25519.js';

const ED25519_PUB_MULTICODEC = Uint8Array.of(0xed, 0x01);

/**
 * Why a Multikey value holds no usable Ed25519 key, in the did:key method's error
 * names: `invalidDid` (not base58btc, or no multicodec at all), `unsupportedPublicKeyType`
 * (a key type vcq does not do), `invalidPublicKeyLength`, `invalidPublicKey` (not a
 * point vcq accepts).
 */
export type MultikeyProblem = 'invalidDid' | 'unsupportedPublicKeyType' | 'invalidPublicKeyLength' | 'invalidPublicKey';

/** A Multikey value that is not a usable Ed25519 public key; the message reads after "the key ...". */
export class MultikeyError extends Error {
  override name = 'MultikeyError';
  constructor(
    readonly problem: MultikeyProblem,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

// Public-key multicodecs of the multicodec table, by code: known key types vcq does not support.
const OTHER_KEY_TYPES = new Map<number, string>([
  [0xe7, 'secp256k1'],
  [0xe8, 'BLS12-381 G1'],
  [0xeb, 'BLS12-381 G2'],
  [0xec, 'X25519'],
  [0x1200, 'P-256'],
  [0x1201, 'P-384'],
  [0x1202, 'P-521'],
  [0x1203, 'Ed448'],
  [0x1205, 'RSA'],
]);

/** `z6Mk...` for a raw 32-byte Ed25519 public key. */
export function encodeEd25519Multikey(publicKey: Uint8Array): string {
  const bytes = new Uint8Array(ED25519_PUB_MULTICODEC.length + publicKey.length);
  bytes.set(ED25519_PUB_MULTICODEC);
  bytes.set(publicKey, ED25519_PUB_MULTICODEC.length);
  return `z${base58.encode(bytes)}`;
}

/** The raw key of a `z6Mk...` value, strictly checked; a MultikeyError says what is wrong. */
export function decodeEd25519Multikey(value: string): Uint8Array {
  if (!value.startsWith('z')) throw new MultikeyError('invalidDid', 'is not multibase base58btc (must start with "z")');
  let bytes: Uint8Array;
  try {
    bytes = base58.decode(value.slice(1));
  } catch (error) {
    throw new MultikeyError('invalidDid', 'is not valid base58btc', { cause: error });
  }
  const code = varint(bytes);
  if (code === null) throw new MultikeyError('invalidDid', 'does not start with a multicodec');
  if (code.value !== 0xed) {
    const other = OTHER_KEY_TYPES.get(code.value);
    if (other) throw new MultikeyError('unsupportedPublicKeyType', `is a ${other} key; only Ed25519 (multicodec 0xed) is supported`);
    throw new MultikeyError('invalidDid', `has multicodec 0x${code.value.toString(16)}, which is not a public key type`);
  }
  if (bytes.length !== code.length + ED25519_PUBLIC_KEY_BYTES) {
    throw new MultikeyError('invalidPublicKeyLength', `does not hold a ${ED25519_PUBLIC_KEY_BYTES}-byte Ed25519 public key (${bytes.length - code.length} bytes)`);
  }
  const publicKey = bytes.slice(code.length);
  try {
    assertStrictEd25519PublicKey(publicKey);
  } catch (error) {
    throw new MultikeyError('invalidPublicKey', (error as Error).message, { cause: error });
  }
  return publicKey;
}

/** The unsigned varint (at most 3 bytes: codes up to 2^21) at the start of `bytes`, or null. */
function varint(bytes: Uint8Array): { value: number; length: number } | null {
  let value = 0;
  for (let i = 0; i < 3 && i < bytes.length; i++) {
    const byte = bytes[i] as number;
    value |= (byte & 0x7f) << (7 * i);
    if ((byte & 0x80) === 0) return { value, length: i + 1 };
  }
  return null;
}
