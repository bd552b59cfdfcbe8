/**
 * Ed25519 keys through node:crypto. vcq stores only the 32-byte seed (encrypted);
 * everything else (the signing KeyObject, the raw public key) is derived from it.
 */
import { createPrivateKey, createPublicKey, type JsonWebKey, type KeyObject, randomBytes, sign, verify } from 'node:crypto';

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

/** Checks an Ed25519 signature; false for anything malformed rather than a throw. */
export function verifyEd25519(publicKey: Uint8Array, data: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.length !== ED25519_PUBLIC_KEY_BYTES || signature.length !== ED25519_SIGNATURE_BYTES) return false;
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
