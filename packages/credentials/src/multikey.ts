/**
 * Multikey encoding of Ed25519 public keys: multicodec `ed25519-pub` (varint 0xed,
 * i.e. bytes 0xed 0x01) followed by the raw key, multibase base58btc (`z`). This is
 * both the did:key method-specific id and the `publicKeyMultibase` of a Multikey.
 */
// @scure/base: small, audited, dependency-free base58btc; node:crypto has no base58.
import { base58 } from '@scure/base';
import { assertStrictEd25519PublicKey, ED25519_PUBLIC_KEY_BYTES } from './ed25519.js';

const ED25519_PUB_MULTICODEC = Uint8Array.of(0xed, 0x01);

/** `z6Mk...` for a raw 32-byte Ed25519 public key. */
export function encodeEd25519Multikey(publicKey: Uint8Array): string {
  const bytes = new Uint8Array(ED25519_PUB_MULTICODEC.length + publicKey.length);
  bytes.set(ED25519_PUB_MULTICODEC);
  bytes.set(publicKey, ED25519_PUB_MULTICODEC.length);
  return `z${base58.encode(bytes)}`;
}

/** The raw key of a `z6Mk...` value, strictly checked; throws a plain Error saying what is wrong. */
export function decodeEd25519Multikey(value: string): Uint8Array {
  if (!value.startsWith('z')) throw new Error('is not multibase base58btc (must start with "z")');
  let bytes: Uint8Array;
  try {
    bytes = base58.decode(value.slice(1));
  } catch (error) {
    throw new Error('is not valid base58btc', { cause: error });
  }
  if (bytes[0] !== ED25519_PUB_MULTICODEC[0] || bytes[1] !== ED25519_PUB_MULTICODEC[1]) {
    throw new Error('is not an Ed25519 public key (multicodec 0xed01); only Ed25519 is supported');
  }
  if (bytes.length !== ED25519_PUB_MULTICODEC.length + ED25519_PUBLIC_KEY_BYTES) {
    throw new Error(`does not hold a ${ED25519_PUBLIC_KEY_BYTES}-byte Ed25519 public key`);
  }
  const publicKey = bytes.slice(ED25519_PUB_MULTICODEC.length);
  assertStrictEd25519PublicKey(publicKey);
  return publicKey;
}
