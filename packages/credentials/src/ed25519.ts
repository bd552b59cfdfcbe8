/**
 * Ed25519 keys through node:crypto. vcq stores only the 32-byte seed (encrypted);
 * everything else (the signing KeyObject, the raw public key) is derived from it.
 * Public keys from anywhere else pass assertStrictEd25519PublicKey first.
 */
import { createPrivateKey, createPublicKey, type JsonWebKey, type KeyObject, randomBytes, sign, verify } from 'node:crypto';
// @noble/curves (audited): node:crypto cannot say whether a public key is a
// small-order point, and accepts non-canonical encodings of them.
import { ed25519 } from '@noble/curves/ed25519.js';

export const ED25519_SEED_BYTES = 32;
export const ED25519_PUBLIC_KEY_BYTES = 32;
const ED25519_SIGNATURE_BYTES = 64;

// node:crypto imports a raw Ed25519 seed only inside a PKCS#8 structure; this is the
// fixed DER header (RFC 8410) that precedes the 32 seed bytes.
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

export interface Ed25519PublicJwk {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
}

export interface Ed25519Signer {
  publicKey: Buffer;
  sign(data: Uint8Array): Buffer;
}

/** A fresh random 32-byte seed. */
export function generateSeed(): Buffer {
  return randomBytes(ED25519_SEED_BYTES);
}

/** The signer and public key for a 32-byte seed. */
export function signerFromSeed(seed: Uint8Array): Ed25519Signer {
  if (seed.length !== ED25519_SEED_BYTES) throw new RangeError(`An Ed25519 seed is ${ED25519_SEED_BYTES} bytes, got ${seed.length}`);
  const der = Buffer.concat([PKCS8_ED25519_PREFIX, seed]);
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  } finally {
    der.fill(0);
  }
  const publicKey = publicKeyBytes(createPublicKey(privateKey));
  return { publicKey, sign: (data) => sign(null, data, privateKey) };
}

/** The raw public key of a 32-byte seed. */
export function publicKeyFromSeed(seed: Uint8Array): Buffer {
  return signerFromSeed(seed).publicKey;
}

// Keys already found strict, as hex. Decoding a point costs more than verifying a
// signature with node:crypto, and verification sees the same few issuer keys over
// and over. Only good keys are kept (a refused one is refused again, cheaply enough);
// bounded, the oldest entry goes first.
const strictKeys = new Set<string>();
const MAX_STRICT_KEYS = 1024;

/**
 * Throws a plain Error (its message reads after "the key ...") unless `publicKey` is
 * an Ed25519 public key vcq accepts: 32 bytes, the canonical RFC 8032 encoding
 * (y < p, no sign bit on x = 0) of a point on the curve whose order does not divide 8.
 */
export function assertStrictEd25519PublicKey(publicKey: Uint8Array): void {
  if (publicKey.length !== ED25519_PUBLIC_KEY_BYTES) throw new Error(`is not ${ED25519_PUBLIC_KEY_BYTES} bytes`);
  const hex = Buffer.from(publicKey).toString('hex');
  if (strictKeys.has(hex)) return;
  let point: InstanceType<typeof ed25519.Point>;
  try {
    // zip215 false: RFC 8032's strict decoding, refusing y >= p and x = 0 with the sign bit.
    point = ed25519.Point.fromBytes(publicKey, false);
  } catch (error) {
    throw new Error('is not a canonical encoding of a point on the curve', { cause: error });
  }
  // For a point of order 1, 2, 4 or 8, R = identity and S = 0 (among others) verify
  // any message: whoever names such a key can sign as it without a private key.
  if (point.isSmallOrder()) throw new Error('is a small-order point (its order divides 8), for which signatures can be made without a private key');
  if (strictKeys.size >= MAX_STRICT_KEYS) strictKeys.delete(strictKeys.values().next().value as string);
  strictKeys.add(hex);
}

/** True when assertStrictEd25519PublicKey accepts `publicKey`. */
export function isStrictEd25519PublicKey(publicKey: Uint8Array): boolean {
  try {
    assertStrictEd25519PublicKey(publicKey);
    return true;
  } catch {
    return false;
  }
}

/** Checks an Ed25519 signature; false for anything malformed (a non-strict key too) rather than a throw. */
export function verifyEd25519(publicKey: Uint8Array, data: Uint8Array, signature: Uint8Array): boolean {
  if (signature.length !== ED25519_SIGNATURE_BYTES || !isStrictEd25519PublicKey(publicKey)) return false;
  try {
    const jwk: JsonWebKey = { ...publicJwk(publicKey) };
    const key = createPublicKey({ key: jwk, format: 'jwk' });
    return verify(null, data, key, signature);
  } catch {
    return false;
  }
}

/** The RFC 8037 JWK of a raw Ed25519 public key. */
export function publicJwk(publicKey: Uint8Array): Ed25519PublicJwk {
  return { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey).toString('base64url') };
}

function publicKeyBytes(key: KeyObject): Buffer {
  const { x } = key.export({ format: 'jwk' });
  if (typeof x !== 'string') throw new Error('node:crypto exported an Ed25519 public key without x');
  return Buffer.from(x, 'base64url');
}
