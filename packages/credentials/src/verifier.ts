/**
 * Credential verification: parse, authenticate (resolve the issuer, check the EdDSA
 * signature against its assertion keys), validity period, then revocation in the
 * credential's Bitstring Status List. A credential that fails answers with the
 * reason; only trouble reaching a peer (UpstreamError, retried) or a status list that
 * cannot be checked (PermanentJobError) throws.
 */
import type { Db } from '@vcq/db';
import type { EgressClient } from '@vcq/egress';
import { PermanentJobError, UpstreamError, ValidationError } from '@vcq/errors';
import { assertionKeys, isObject } from './did-document.js';
import type { DidRegistry } from './did-service.js';
import { verifyEd25519 } from './ed25519.js';
import { MalformedJwtError } from './jwt.js';
import { fetchFromPeer } from './peer-fetch.js';
import { type VerifyCredentialInput, VerifyCredentialInputSchema } from './schemas.js';
import { bitAt, decodeList } from './status-list.js';
import {
  createStatusListCache,
  type LoadedStatusList,
  type StatusListCacheSettings,
  type StatusListObserver,
  statusListFreshUntil,
} from './status-list-cache.js';
import type { DidResolution, VerifyError, VerifyResult } from './types.js';
import { fieldError, parseInput } from './validation.js';
import { type ParsedDataIntegrity, parseDataIntegrityCredential, verifyDataIntegrityProof } from './data-integrity.js';
import { assertKnownContexts } from './jsonld-contexts.js';
import type { ParsedCredentialFields } from './vc-jose.js';
import { jwtFromEnvelope, type ParsedVcJwt, parseVcJwt } from './vc-jwt.js';

// Clocks of issuer and verifier disagree a little; a minute is enough for hosts
// running NTP and short enough not to stretch an expiry noticeably.
const CLOCK_SKEW_SECONDS = 60;
const MAX_STATUS_LIST_BYTES = 2 * 1024 * 1024;
const STATUS_PURPOSES_THAT_INVALIDATE = new Set(['revocation', 'suspension']);

export interface VerifierDeps {
  db: Db;
  registry: DidRegistry;
  /** `<PUBLIC_BASE_URL>/status-lists/`: lists under it are read from the database. */
  ownStatusListPrefix: string;
  didWebAllowHttpHosts: string[];
  egress: EgressClient;
  fetchTimeoutMs: number;
  now: () => Date;
  statusListCache?: StatusListCacheSettings;
  statusListObserver?: StatusListObserver;
}

/** The `verify` operation of the credentials service. */
export function createVerifier(deps: VerifierDeps): (input: unknown) => Promise<VerifyResult> {
  const { defaultTtlMs, ...bounds } = deps.statusListCache ?? {};
  const remoteLists = createStatusListCache({ load: fetchStatusList, now: deps.now, ...bounds });

  /** The issuer's DID document, or null when it vouches for nothing (unresolvable, deactivated). */
  async function issuerDocument(issuer: string): Promise<DidResolution | null> {
    let resolution: DidResolution;
    try {
      resolution = await deps.registry.operations.resolve(issuer);
    } catch (error) {
      // Not reachable right now is not "unknown": let the job retry.
      if (error instanceof UpstreamError) throw error;
      return null;
    }
    // A deactivated DID vouches for nothing any more.
    return resolution.didDocumentMetadata.deactivated ? null : resolution;
  }

  /** Why a credential is not valid now (its validity period), or null. */
  function validity(parsed: Pick<ParsedVcJwt, 'expires' | 'notBefore'>): VerifyError | null {
    const now = deps.now().getTime() / 1000;
    if (parsed.expires !== null && parsed.expires <= now - CLOCK_SKEW_SECONDS) return 'expired';
    if (parsed.notBefore !== null && parsed.notBefore > now + CLOCK_SKEW_SECONDS) return 'not_yet_valid';
    return null;
  }

  /** Why `parsed` is not authentic or not valid now, or null when it is both. */
  async function check(parsed: ParsedVcJwt): Promise<VerifyError | null> {
    const resolution = await issuerDocument(parsed.issuer);
    if (!resolution) return 'unknown_issuer';

    const { header, signingInput, signature } = parsed.jwt;
    if (header.alg !== 'EdDSA' && header.alg !== 'Ed25519') return 'bad_signature';
    const kid = typeof header.kid === 'string' ? header.kid : undefined;
    const keys = assertionKeys(resolution.didDocument, kid);
    if (!keys.some((key) => verifyEd25519(key.publicKey, signingInput, signature))) return 'bad_signature';
    return validity(parsed);
  }

  /** Why a Data Integrity credential is not authentic or not valid now, or null when it is both. */
  async function checkDataIntegrity(
    document: Record<string, unknown>,
    parsed: ParsedDataIntegrity,
    contextError?: (error: unknown) => Error,
  ): Promise<VerifyError | null> {
    if (!(await issuerDocument(parsed.issuer))) return 'unknown_issuer';
    // vcq finds keys only through DIDs.
    if (!parsed.proofs.every((proof) => proof.verificationMethod.startsWith('did:'))) return 'bad_signature';
    let proof: Awaited<ReturnType<typeof verifyDataIntegrityProof>>;
    try {
      proof = await verifyDataIntegrityProof(document, {
        resolveDid: (did) => deps.registry.operations.resolve(did),
        rethrow: (error) => error instanceof UpstreamError,
        contextField: 'verifiableCredential.@context',
      });
    } catch (error) {
      // A context inside a fetched document is not the caller's field.
      if (contextError && error instanceof ValidationError) throw contextError(error);
      throw error;
    }
    if (!proof.verified) return 'bad_signature';
    return validity(parsed);
  }

  /** Verifies a credential secured with a Data Integrity proof. */
  async function verifyDataIntegrity(document: Record<string, unknown>): Promise<VerifyResult> {
    let parsed: ParsedDataIntegrity;
    try {
      parsed = parseDataIntegrityCredential(document);
    } catch (error) {
      if (error instanceof MalformedJwtError) return { valid: false, claims: null, issuer: null, subject: null, error: 'malformed' };
      throw error;
    }
    return outcomeOf(parsed, await checkDataIntegrity(document, parsed));
  }

  /** The result for a parsed credential and the problem its checks found; revocation is checked last. */
  async function outcomeOf(parsed: ParsedCredentialFields & Pick<ParsedVcJwt, 'statusEntries'>, problem: VerifyError | null): Promise<VerifyResult> {
    const outcome = (error: VerifyError | null, withClaims: boolean): VerifyResult => ({
      valid: error === null,
      claims: withClaims ? parsed.claims : null,
      issuer: parsed.issuer,
      subject: parsed.subject,
      error,
    });
    // Claims are only reported once the signature proved who made them.
    if (problem === 'unknown_issuer' || problem === 'bad_signature') return outcome(problem, false);
    if (problem) return outcome(problem, true);
    return outcome((await isRevoked(parsed)) ? 'revoked' : null, true);
  }

  async function isRevoked(parsed: Pick<ParsedVcJwt, 'statusEntries' | 'issuer'>): Promise<boolean> {
    for (const entry of parsed.statusEntries) {
      const known = entry.type.includes('BitstringStatusListEntry') || entry.type.includes('StatusList2021Entry');
      // Other status mechanisms and purposes (refresh, message) are not ours to judge.
      if (!known || !STATUS_PURPOSES_THAT_INVALIDATE.has(entry.purpose)) continue;
      const bits = await statusBits(entry.listUrl, parsed.issuer, entry.purpose);
      if (entry.index >= bits.length * 8) throw statusError(entry.listUrl, `has no index ${entry.index}`);
      if (bitAt(bits, entry.index)) return true;
    }
    return false;
  }

  async function statusBits(listUrl: string, issuer: string, purpose: string): Promise<Uint8Array> {
    if (listUrl.startsWith(deps.ownStatusListPrefix)) {
      const id = listUrl.slice(deps.ownStatusListPrefix.length);
      const list = await deps.db.statusList.findUnique({ where: { id } });
      if (!list) throw statusError(listUrl, 'does not exist');
      if (list.issuer !== issuer || list.purpose !== purpose) throw statusError(listUrl, `is not a ${purpose} list of ${issuer}`);
      return list.bits;
    }
    const list = await remoteLists.get(listUrl);
    // Checked on every use, cached or not. The spec leaves it to the verifier; vcq only
    // trusts the credential's own issuer to say whether it is revoked.
    // Neither message repeats what the list says: it is fetched text.
    if (list.issuer !== issuer) throw statusError(listUrl, `is issued by another DID than the credential's issuer ${issuer}`);
    if (list.purpose !== null && list.purpose !== purpose) throw statusError(listUrl, `has a statusPurpose other than ${purpose}`);
    return list.bits;
  }

  /** Fetches, authenticates and decodes another host's status list, for the cache. */
  async function fetchStatusList(listUrl: string): Promise<LoadedStatusList> {
    const response = await fetchFromPeer(new URL(listUrl), 'the status list credential', {
      accept: 'application/vc+jwt, application/jwt, application/vc, application/json;q=0.5',
      maxBytes: MAX_STATUS_LIST_BYTES,
      fetchTimeoutMs: deps.fetchTimeoutMs,
      allowHttpHosts: deps.didWebAllowHttpHosts,
      egress: deps.egress,
    });
    deps.statusListObserver?.fetched?.(listUrl);
    let list: ParsedCredentialFields;
    const secured = listWithProof(response.body);
    if (secured) {
      // A list secured with Data Integrity, checked as a credential of that format.
      let parsed: ParsedDataIntegrity;
      try {
        assertKnownContexts(secured['@context']);
        parsed = parseDataIntegrityCredential(secured);
      } catch (error) {
        throw statusError(listUrl, `is malformed: ${(error as Error).message}`, error);
      }
      const problem = await checkDataIntegrity(secured, parsed, (error) => statusError(listUrl, `is malformed: ${(error as Error).message}`, error));
      if (problem) throw statusError(listUrl, `does not verify (${problem})`);
      list = parsed;
    } else {
      const token = listJwt(response.body);
      if (!token) throw statusError(listUrl, 'is neither a VC-JWT nor a credential with a Data Integrity proof');
      let parsed: ParsedVcJwt;
      try {
        parsed = parseVcJwt(token);
      } catch (error) {
        throw statusError(listUrl, `is malformed: ${(error as Error).message}`, error);
      }
      const problem = await check(parsed);
      if (problem) throw statusError(listUrl, `does not verify (${problem})`);
      list = parsed;
    }
    if (!list.types.includes('BitstringStatusListCredential') && !list.types.includes('StatusList2021Credential')) {
      throw statusError(listUrl, 'is not a BitstringStatusListCredential');
    }
    const subject = list.claims;
    if (typeof subject.encodedList !== 'string') throw statusError(listUrl, 'has no encodedList');
    let bits: Uint8Array;
    try {
      bits = decodeList(subject.encodedList);
    } catch (error) {
      throw statusError(listUrl, (error as Error).message, error);
    }
    deps.statusListObserver?.decoded?.(listUrl, bits.length);
    return {
      bits,
      issuer: list.issuer,
      purpose: typeof subject.statusPurpose === 'string' ? subject.statusPurpose : null,
      freshUntil: statusListFreshUntil({
        fetchedAt: deps.now().getTime(),
        expiresSeconds: list.expires,
        ttl: subject.ttl,
        cacheControl: response.headers['cache-control'],
        age: response.headers.age,
        ...(defaultTtlMs !== undefined ? { defaultTtlMs } : {}),
      }),
    };
  }

  /** Verifies a VC-JWT or a Data Integrity credential; see VerifyResult for what each outcome means. */
  return async function verify(raw: unknown): Promise<VerifyResult> {
    const input = parseInput(VerifyCredentialInputSchema, raw, 'credential verification input');
    assertVerifyInput(input);
    if (input.verifiableCredential !== undefined) return verifyDataIntegrity(input.verifiableCredential);
    if (input.vcJwt === undefined) throw fieldError('vcJwt', 'is required');
    let parsed: ParsedVcJwt;
    try {
      parsed = parseVcJwt(input.vcJwt);
    } catch (error) {
      if (error instanceof MalformedJwtError) return { valid: false, claims: null, issuer: null, subject: null, error: 'malformed' };
      throw error;
    }
    return outcomeOf(parsed, await check(parsed));
  };
}

/**
 * The checks of a verification input that need no database, so a route can make them
 * before queueing: exactly one of `vcJwt` and `verifiableCredential`, and the latter's
 * `@context` only of contexts vcq has copies of (a caller's mistake, not an outcome:
 * nothing is fetched). A ValidationError (400) names the field.
 */
export function assertVerifyInput(input: Pick<VerifyCredentialInput, 'vcJwt' | 'verifiableCredential'>): void {
  if (input.verifiableCredential !== undefined) {
    if (input.vcJwt !== undefined) throw fieldError('verifiableCredential', 'must not be given together with vcJwt');
    assertKnownContexts(input.verifiableCredential['@context'], 'verifiableCredential.@context');
  } else if (input.vcJwt === undefined) {
    throw fieldError('vcJwt', 'is required (or verifiableCredential: a credential with a Data Integrity proof)');
  }
}

/** The status list credential in `body` when it is a JSON-LD credential with a proof (or one in `verifiableCredential`). */
function listWithProof(body: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(body);
    const inner = isObject(value) && isObject(value.verifiableCredential) ? value.verifiableCredential : value;
    return isObject(inner) && 'proof' in inner ? inner : null;
  } catch {
    return null;
  }
}

function listJwt(body: string): string | null {
  const text = body.trim();
  if (/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(text)) return text;
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'string') return value;
    if (isObject(value) && 'verifiableCredential' in value) {
      const inner = value.verifiableCredential;
      return typeof inner === 'string' ? inner : jwtFromEnvelope(inner);
    }
    return jwtFromEnvelope(value);
  } catch {
    return null;
  }
}

function statusError(listUrl: string, problem: string, cause?: unknown): PermanentJobError {
  return new PermanentJobError(`Cannot check revocation: the status list ${listUrl} ${problem}`, { code: 'status_check_failed', cause });
}

