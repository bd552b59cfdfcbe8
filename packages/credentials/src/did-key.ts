/**
 * did:key for Ed25519, as the did:key method specification derives it: the DID is
 * `did:key:` + the Multikey of the public key, and the document follows from the DID
 * alone (one verification method `did:key:z...#z...`, used for every relationship).
 */
import { type DidDocument, singleKeyDocument } from './did-document.js';
import { decodeEd25519Multikey, encodeEd25519Multikey } from './multikey.js';
import { fieldError } from './validation.js';

const PREFIX = 'did:key:';

/** The did:key of a raw Ed25519 public key. */
export function didKeyFromPublicKey(publicKey: Uint8Array): string {
  return `${PREFIX}${encodeEd25519Multikey(publicKey)}`;
}

/** The Ed25519 public key inside a did:key; ValidationError (field `did`) if it holds none. */
export function publicKeyFromDidKey(did: string): Uint8Array {
  if (!did.startsWith(PREFIX)) throw fieldError('did', 'is not a did:key');
  try {
    return decodeEd25519Multikey(did.slice(PREFIX.length));
  } catch (error) {
    throw fieldError('did', `is not a supported did:key: its key ${(error as Error).message}`, error);
  }
}

/** The DID document of a did:key, derived from the DID alone. */
export function didKeyDocument(did: string): DidDocument {
  publicKeyFromDidKey(did);
  return singleKeyDocument(did, did.slice(PREFIX.length), {
    relationships: ['authentication', 'assertionMethod', 'capabilityInvocation', 'capabilityDelegation'],
  });
}
