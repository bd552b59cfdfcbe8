/**
 * Private keys at rest: AES-256-GCM under KEY_ENCRYPTION_KEY, stored as
 * `v1.<iv>.<tag>.<ciphertext>` (base64url). Each sealed value is bound to what it
 * belongs to (the DID) through the GCM additional data, so a ciphertext copied onto
 * another row fails its tag check instead of signing for the wrong DID.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { PermanentJobError } from '@vcq/errors';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
export const KEY_ENCRYPTION_KEY_BYTES = 32;

/** Encrypts `plaintext` with a fresh IV; `context` must be given again to open it. */
export function sealSecret(keyEncryptionKey: Buffer, plaintext: Uint8Array, context: string): string {
  assertKeyEncryptionKey(keyEncryptionKey);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', keyEncryptionKey, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [VERSION, iv, tag, ciphertext].map((part) => (typeof part === 'string' ? part : part.toString('base64url'))).join('.');
}

/**
 * Decrypts a value made by `sealSecret`. A wrong key, a wrong context or a tampered
 * value fails the GCM tag check; that is a deployment problem (KEY_ENCRYPTION_KEY
 * changed, rows copied) that no retry fixes, hence permanent and 500.
 */
export function openSecret(keyEncryptionKey: Buffer, sealed: string, context: string): Buffer {
  assertKeyEncryptionKey(keyEncryptionKey);
  const parts = sealed.split('.');
  if (parts.length !== 4 || parts[0] !== VERSION) {
    throw keyUnavailable(`is not a ${VERSION} sealed key`);
  }
  const [iv, tag, ciphertext] = parts.slice(1).map((p) => Buffer.from(p, 'base64url')) as [Buffer, Buffer, Buffer];
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw keyUnavailable('has a malformed IV or tag');
  try {
    const decipher = createDecipheriv('aes-256-gcm', keyEncryptionKey, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch (error) {
    throw keyUnavailable('failed its integrity check (wrong KEY_ENCRYPTION_KEY or a tampered row)', error);
  }
}

/** Throws unless the key-encryption key is 32 bytes (AES-256). */
export function assertKeyEncryptionKey(key: Buffer): void {
  if (!Buffer.isBuffer(key) || key.length !== KEY_ENCRYPTION_KEY_BYTES) {
    throw new TypeError(`KEY_ENCRYPTION_KEY must be ${KEY_ENCRYPTION_KEY_BYTES} bytes`);
  }
}

function keyUnavailable(problem: string, cause?: unknown): PermanentJobError {
  return new PermanentJobError(`The stored private key ${problem}`, { code: 'key_unavailable', status: 500, cause });
}
