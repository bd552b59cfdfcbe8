/**
 * DID documents as vcq builds and reads them (DID Core 1.0), and how a verifier
 * finds the Ed25519 keys a document authorises for issuing credentials.
 *
 * Terminology:
 * - DID: `did:<method>:<id>`; vcq controls did:key and did:web DIDs it created.
 * - DID document: the JSON a DID resolves to; lists verification methods (public keys).
 * - verification method: one key, `<did>#<fragment>`; `assertionMethod` says which
 *   ones may sign credentials. A VC-JWT's header `kid` names the one that did.
 * - service: an endpoint the controller publishes (`{id, type, serviceEndpoint}`).
 */
import { base58 } from '@scure/base';
import { isStrictEd25519PublicKey } from './ed25519.js';
import { decodeEd25519Multikey } from './multikey.js';

export const DID_CONTEXT = 'https://www.w3.org/ns/did/v1';
export const MULTIKEY_CONTEXT = 'https://w3id.org/security/multikey/v1';

export interface VerificationMethod {
  id: string;
  type: string;
  controller: string;
  publicKeyMultibase?: string;
  publicKeyJwk?: Record<string, unknown>;
  publicKeyBase58?: string;
}

export interface Service {
  id: string;
  type: string | string[];
  serviceEndpoint: unknown;
}

export interface DidDocument {
  '@context'?: string | Array<string | Record<string, unknown>>;
  id: string;
  verificationMethod?: VerificationMethod[];
  authentication?: Array<string | VerificationMethod>;
  assertionMethod?: Array<string | VerificationMethod>;
  capabilityInvocation?: Array<string | VerificationMethod>;
  capabilityDelegation?: Array<string | VerificationMethod>;
  service?: Service[];
  [property: string]: unknown;
}

/** A Multikey verification method for an Ed25519 key. */
export function multikeyMethod(id: string, controller: string, publicKeyMultibase: string): VerificationMethod {
  return { id, type: 'Multikey', controller, publicKeyMultibase };
}

/** What a deactivated DID still resolves to: its id and nothing that could verify a signature. */
export function deactivatedDocument(did: string): DidDocument {
  return { '@context': [DID_CONTEXT], id: did };
}

/**
 * The Ed25519 public keys `document` authorises as assertion methods, optionally only
 * the one whose id is `kid` (absolute, or relative `#fragment`). Methods in other key
 * formats or curves are skipped: they can never verify an EdDSA signature. So are
 * Ed25519 keys that are small-order or not canonically encoded: a signature "by" one
 * of those proves nothing.
 */
export function assertionKeys(document: DidDocument, kid?: string): Array<{ id: string; publicKey: Uint8Array }> {
  const absolute = (id: string) => (id.startsWith('#') ? `${document.id}${id}` : id);
  const methods = new Map<string, VerificationMethod>();
  for (const method of document.verificationMethod ?? []) {
    if (isObject(method) && typeof method.id === 'string') methods.set(absolute(method.id), method);
  }
  const keys: Array<{ id: string; publicKey: Uint8Array }> = [];
  for (const entry of Array.isArray(document.assertionMethod) ? document.assertionMethod : []) {
    const method = typeof entry === 'string' ? methods.get(absolute(entry)) : isObject(entry) ? entry : undefined;
    if (!method || typeof method.id !== 'string') continue;
    const id = absolute(method.id);
    if (kid !== undefined && id !== absolute(kid)) continue;
    const publicKey = ed25519PublicKey(method);
    if (publicKey) keys.push({ id, publicKey });
  }
  return keys;
}

function ed25519PublicKey(method: VerificationMethod): Uint8Array | null {
  try {
    if (typeof method.publicKeyMultibase === 'string' && (method.type === 'Multikey' || method.type === 'Ed25519VerificationKey2020')) {
      return decodeEd25519Multikey(method.publicKeyMultibase);
    }
    const jwk = method.publicKeyJwk;
    if (isObject(jwk) && jwk.kty === 'OKP' && jwk.crv === 'Ed25519' && typeof jwk.x === 'string') {
      const x = Buffer.from(jwk.x, 'base64url');
      return isStrictEd25519PublicKey(x) ? x : null;
    }
    if (typeof method.publicKeyBase58 === 'string' && method.type === 'Ed25519VerificationKey2018') {
      // The 2018 suite carries the raw key, without a multicodec header.
      const raw = base58.decode(method.publicKeyBase58);
      return isStrictEd25519PublicKey(raw) ? raw : null;
    }
  } catch {
    return null;
  }
  return null;
}

/** True for a plain (non-array) object. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

type Relationship = 'authentication' | 'assertionMethod' | 'capabilityInvocation' | 'capabilityDelegation';

/** A DID document with one Multikey (`<did>#<multikey>`) for the given relationships, and services if any. */
export function singleKeyDocument(did: string, multikey: string, options: { relationships: Relationship[]; services?: Service[] }): DidDocument {
  const keyId = `${did}#${multikey}`;
  return {
    '@context': [DID_CONTEXT, MULTIKEY_CONTEXT],
    id: did,
    verificationMethod: [multikeyMethod(keyId, did, multikey)],
    ...Object.fromEntries(options.relationships.map((r) => [r, [keyId]])),
    ...(options.services && options.services.length > 0 ? { service: options.services } : {}),
  };
}
