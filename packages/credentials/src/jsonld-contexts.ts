/**
 * JSON-LD for Data Integrity credentials: the contexts vcq knows, all bundled from
 * their npm packages (nothing is fetched), and the document loader every JSON-LD
 * operation gets. Besides those contexts the loader answers only DID URLs: a DID
 * (the controller document) and a DID URL naming one of its keys (the verification
 * method), both from vcq's DID resolution (did:key from the DID itself, vcq's own
 * did:web from its database), reduced to the Ed25519 assertion keys vcq accepts.
 */
import * as credentialsContexts from '@digitalbazaar/credentials-context';
import dataIntegrityContexts from '@digitalbazaar/data-integrity-context';
import multikeyContexts from '@digitalbazaar/multikey-context';
import * as statusListContexts from '@digitalbazaar/vc-bitstring-status-list-context';
import didContexts from 'did-context';
import type { DocumentLoader, RemoteDocument } from 'jsonld-signatures';
import { assertionKeys, DID_CONTEXT, isObject, MULTIKEY_CONTEXT } from './did-document.js';
import { encodeEd25519Multikey } from './multikey.js';
import type { DidResolution } from './types.js';
import { fieldError } from './validation.js';

/** Every context URL vcq can process, with its bundled document. */
const BUNDLED_CONTEXTS: ReadonlyMap<string, object> = new Map([
  ...credentialsContexts.contexts,
  ...dataIntegrityContexts.contexts,
  ...multikeyContexts.contexts,
  ...statusListContexts.contexts,
  ...didContexts.contexts,
]);

/** The context URLs vcq has bundled copies of. */
export const KNOWN_CONTEXTS: readonly string[] = [...BUNDLED_CONTEXTS.keys()];

/** A context URL vcq has no bundled copy of: it is never fetched. */
export class UnknownContextError extends Error {
  override name = 'UnknownContextError';
  constructor(readonly url: string) {
    super(`names the JSON-LD context ${url}, which vcq has no copy of (it fetches none); known contexts: ${KNOWN_CONTEXTS.join(', ')}`);
  }
}

/**
 * Throws a 400 naming `field` when a `@context` value holds a URL vcq has no copy of
 * (inline context objects pass here; URLs inside them are caught when processed).
 */
export function assertKnownContexts(context: unknown, field = '@context'): void {
  // None at all names nothing to fetch; whether one is required is the data model's rule.
  if (context === undefined) return;
  const entries = Array.isArray(context) ? context : [context];
  entries.forEach((entry, i) => {
    if (typeof entry === 'string' && !BUNDLED_CONTEXTS.has(entry)) {
      throw fieldError(Array.isArray(context) ? `${field}[${i}]` : field, new UnknownContextError(entry).message);
    }
    if (typeof entry !== 'string' && !isObject(entry)) throw fieldError(field, 'must be a URL, an object or an array of them');
  });
}

/**
 * assertKnownContexts for every `@context` inside `value` (claims that bring a
 * context of their own), each reported under its path below `field`.
 */
export function assertKnownContextsWithin(value: unknown, field: string, depth = 0): void {
  if (depth > 32 || value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) assertKnownContextsWithin(item, `${field}[${i}]`, depth + 1);
    return;
  }
  for (const [key, member] of Object.entries(value)) {
    if (key === '@context') assertKnownContexts(member, `${field}.@context`);
    else assertKnownContextsWithin(member, `${field}.${key}`, depth + 1);
  }
}

/** What the loader needs to answer DID URLs. */
export interface DocumentLoaderDeps {
  resolveDid(did: string): Promise<DidResolution>;
}

/**
 * A document loader over the bundled contexts and, with `deps`, DID URLs. What it
 * cannot answer throws (UnknownContextError for a context URL); errors of the DID
 * resolution itself pass through unchanged, so a caller can tell them apart.
 */
export function createDocumentLoader(deps?: DocumentLoaderDeps): DocumentLoader {
  return async (url: string): Promise<RemoteDocument> => {
    const context = BUNDLED_CONTEXTS.get(url);
    if (context) return { contextUrl: null, documentUrl: url, document: context };
    if (url.startsWith('did:') && deps) return { contextUrl: null, documentUrl: url, document: await didUrlDocument(url, deps) };
    throw new UnknownContextError(url);
  };
}

/**
 * A DID's controller document as the proof purpose checks it (its assertion methods),
 * or one of its keys as a Multikey verification method; only Ed25519 keys vcq
 * accepts (strict encoding, not small-order) are ever listed.
 */
async function didUrlDocument(url: string, deps: DocumentLoaderDeps): Promise<object> {
  const hash = url.indexOf('#');
  const did = hash === -1 ? url : url.slice(0, hash);
  const resolution = await deps.resolveDid(did);
  if (resolution.didDocumentMetadata.deactivated) throw new Error(`${did} is deactivated`);
  if (hash === -1) {
    return {
      '@context': [DID_CONTEXT, MULTIKEY_CONTEXT],
      id: did,
      assertionMethod: assertionKeys(resolution.didDocument).map((key) => key.id),
    };
  }
  const key = assertionKeys(resolution.didDocument, url)[0];
  if (!key) throw new Error(`${url} is not an Ed25519 assertion method of ${did}`);
  return { '@context': MULTIKEY_CONTEXT, id: key.id, type: 'Multikey', controller: did, publicKeyMultibase: encodeEd25519Multikey(key.publicKey) };
}
