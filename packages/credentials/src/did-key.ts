/**
 * did:key for Ed25519, as the did:key method specification derives it: the DID is
 * `did:key:` + the Multikey of the public key, and the document follows from the DID
 * alone (one verification method `did:key:z...#z...`, used for every relationship).
 */
import { AppError } from '@vcq/errors';
import { type DidDocument, singleKeyDocument } from './did-document.js';
import { decodeEd25519Multikey, encodeEd25519Multikey, MultikeyError, type MultikeyProblem } from './multikey.js';

const PREFIX = 'did:key:';

/** The did:key of a raw Ed25519 public key. */
export function didKeyFromPublicKey(publicKey: Uint8Array): string {
  return `${PREFIX}${encodeEd25519Multikey(publicKey)}`;
}

/**
 * A did:key that names no usable Ed25519 key: a 400 whose problem type is the did:key
 * method's error name (`urn:vcq:problem:invalidPublicKey`, ...), naming the field.
 */
export class DidKeyError extends AppError {
  override name = 'DidKeyError';
  constructor(problem: MultikeyProblem, field: string, message: string, cause?: unknown) {
    super(problem, 400, `${field} ${message}`, { errors: [{ field, message }], cause });
  }
}

/** The Ed25519 public key inside a did:key; a DidKeyError naming `field` if it holds none. */
export function publicKeyFromDidKey(did: string, field = 'did'): Uint8Array {
  if (!did.startsWith(PREFIX)) throw new DidKeyError('invalidDid', field, 'is not a did:key');
  try {
    return decodeEd25519Multikey(did.slice(PREFIX.length));
  } catch (error) {
    if (!(error instanceof MultikeyError)) throw error;
    throw new DidKeyError(error.problem, field, `is not a usable did:key: the key ${error.message}`, error);
  }
}

/**
 * did:keys already found usable. Whether one is depends on the string alone, and
 * submissions name the same few issuers again and again: each is decoded and its
 * point checked once, not on every request. Bounded: emptied when full.
 */
const usableDidKeys = new Set<string>();
const USABLE_DID_KEYS_MAX = 1024;

/** Throws a DidKeyError for the first of `fields` that is a did:key naming no usable key (others pass). */
export function assertDidKeys(fields: Record<string, unknown>): void {
  for (const field in fields) {
    const value = fields[field];
    if (typeof value !== 'string' || !value.startsWith(PREFIX) || usableDidKeys.has(value)) continue;
    publicKeyFromDidKey(value, field);
    if (usableDidKeys.size >= USABLE_DID_KEYS_MAX) usableDidKeys.clear();
    usableDidKeys.add(value);
  }
}

/** The DID document of a did:key, derived from the DID alone. */
export function didKeyDocument(did: string): DidDocument {
  publicKeyFromDidKey(did);
  return singleKeyDocument(did, did.slice(PREFIX.length), {
    relationships: ['authentication', 'assertionMethod', 'capabilityInvocation', 'capabilityDelegation'],
  });
}
