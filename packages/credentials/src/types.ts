/**
 * The public shapes of the credentials domain.
 *
 * Terminology:
 * - issuer: the DID that signs a credential; for the built-in signer, one vcq controls.
 * - subject: the DID a credential is about (`credentialSubject.id`, JWT `sub`).
 * - VC-JWT: a W3C Verifiable Credential in the JWT encoding of VC Data Model 1.1
 *   (`vc` claim, `iss`, `sub`, `nbf`, `exp`, `jti`), signed EdDSA, as did-jwt-vc does.
 * - status list: a Bitstring Status List; each credential owns one bit (1 = revoked),
 *   published as a signed BitstringStatusListCredential.
 * - issuer backend: what turns an issuance request into a signed credential (a VC-JWT,
 *   or a Data Integrity secured JSON-LD credential): the built-in signer, or a remote
 *   W3C VC API issuer.
 */
import type { EgressClient } from '@vcq/egress';
import type { Db } from '@vcq/db';
import type { DidDocument, Service } from './did-document.js';
import type { Ed25519PublicJwk } from './ed25519.js';
import type { StatusListCacheSettings, StatusListObserver } from './status-list-cache.js';
import type { DataIntegrityFormat } from './data-integrity.js';
import type { CredentialFormat, DidCreateInput, DidUpdateInput, IssueCredentialInput, JwtCredentialFormat, VerifyCredentialInput } from './schemas.js';
import type { StatusListPublication } from './status-list-publisher.js';

export type DidMethod = 'key' | 'web';

/** A DID vcq controls. Never carries key material beyond the public key. */
export interface DidView {
  did: string;
  method: DidMethod;
  status: 'active' | 'deactivated';
  document: DidDocument;
  /** Verification method id of the current key; the `kid` of what it signs. */
  keyId: string;
  publicKeyJwk: Ed25519PublicJwk;
  services: Service[];
  /** The organization that controls it: only it may issue with, update or deactivate it. */
  organizationId: string;
  createdAt: string;
  updatedAt: string;
  deactivatedAt: string | null;
}

/** Whose DID operation it is; the default organization when not given. */
export interface DidOwner {
  organizationId: string;
}

/** A DID Resolution result (W3C DID Resolution). */
export interface DidResolution {
  didDocument: DidDocument;
  didDocumentMetadata: { deactivated?: true; created?: string; updated?: string };
  didResolutionMetadata: { contentType: string };
}

/** An issuance in a JWT format (`jwt_vc_json`, `vc+jwt`). */
export interface IssueResult {
  vcJwt: string;
  /** The credential's uuid (`Credential.id`); its VC id is `urn:uuid:<credentialId>`. */
  credentialId: string;
  issuedAt: string;
}

/** An issuance in a Data Integrity format: the secured JSON-LD credential itself. */
export interface DataIntegrityIssueResult {
  format: DataIntegrityFormat;
  /** The credential with its `proof` (a DataIntegrityProof). */
  verifiableCredential: Record<string, unknown>;
  credentialId: string;
  issuedAt: string;
}

export type AnyIssueResult = IssueResult | DataIntegrityIssueResult;

/**
 * What an issuance of `I` returns, by the format it names. A request that names none
 * gets the deployment's CREDENTIAL_FORMAT, typed here as the JWT result (the default
 * one); where the format is known only as some CredentialFormat, either result.
 */
export type IssueResultFor<I> = 'format' extends keyof I ? ResultForFormat<I[keyof I & 'format']> : IssueResult;

type ResultForFormat<F> = [Exclude<F, undefined>] extends [never]
  ? IssueResult
  : [Exclude<F, undefined>] extends [DataIntegrityFormat]
    ? [F] extends [DataIntegrityFormat]
      ? DataIntegrityIssueResult
      : AnyIssueResult
    : [Exclude<F, undefined>] extends [JwtCredentialFormat]
      ? IssueResult
      : AnyIssueResult;

export type VerifyError = 'bad_signature' | 'expired' | 'not_yet_valid' | 'revoked' | 'unknown_issuer' | 'malformed';

export interface VerifyResult {
  valid: boolean;
  /** `credentialSubject` without its `id`; null when the credential could not be authenticated. */
  claims: Record<string, unknown> | null;
  issuer: string | null;
  subject: string | null;
  error: VerifyError | null;
}

export interface CredentialView {
  id: string;
  publicId: string;
  issuer: string;
  subject: string;
  type: string;
  status: 'issued' | 'revoked';
  issuedAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
  statusListId: string;
  statusListIndex: number;
  /** Where the signed status list is published. */
  statusListCredential: string;
  /** The organization that issued it; only it (and platform-wide admin keys) sees and revokes it. */
  organizationId: string;
  userId: string | null;
  format: CredentialFormat;
  /** The signed credential of a JWT format. */
  vcJwt?: string;
  /** The secured credential of a Data Integrity format. */
  verifiableCredential?: Record<string, unknown>;
}

export interface IssuerContext {
  now: Date;
}

/** Turns an issuance request into a signed credential. `input.id` is the idempotency key. */
export interface IssuerBackend {
  issue(input: IssueCredentialInput & { id: string }, ctx: IssuerContext): Promise<AnyIssueResult>;
}

/** The job a DID operation runs for: a re-run of the same job makes no second change. */
export interface DidJobOptions {
  jobId?: string;
}

export interface DidOperations {
  /** Creates a DID with a fresh or imported Ed25519 key, controlled by `owner`; with a `jobId`, again for the same job returns the same DID. */
  create(input: DidCreateInput, owner?: DidOwner, options?: DidJobOptions): Promise<DidView>;
  /** Resolves any supported DID: did:key from the DID, ours from the database, other did:web over HTTPS. */
  resolve(did: string): Promise<DidResolution>;
  /** Rotates the key and/or adds and removes services of one of `owner`'s did:web DIDs (another's is a NotFoundError). */
  update(did: string, input: DidUpdateInput, owner?: DidOwner, options?: DidJobOptions): Promise<DidView>;
  /** Deactivates one of `owner`'s did:web DIDs; idempotent. */
  deactivate(did: string, owner?: DidOwner): Promise<DidView>;
  /** The organization that controls `did`, or null when vcq does not hold it. */
  ownerOf(did: string): Promise<string | null>;
  /**
   * The document to serve for one of our did:web DIDs at `/.well-known/did.json` (path
   * `[]`) or `/<path...>/did.json` (path relative to PUBLIC_BASE_URL); null when there is
   * none. A deactivated DID serves none: a GoneError (410).
   */
  webDocument(path: string[]): Promise<DidDocument | null>;
}

/** How an issuance is asked for. */
export interface IssueOptions {
  /**
   * The caller knows no earlier run can have made this `id` (a job's first attempt): the
   * read for it is skipped. A run made it after all (the insert's conflict) still gets
   * that credential back. Ignored for a caller-named credential id (`credential.id`).
   */
  firstAttempt?: boolean;
}

export interface CredentialOperations {
  /** Issues a credential in `format`; with `id` (a uuid) a repeated call returns the credential made the first time. */
  issue<I extends IssueCredentialInput & { id?: string }>(input: I, options?: IssueOptions): Promise<IssueResultFor<I>>;
  /** Verifies a VC-JWT or a Data Integrity credential: signature, validity period and revocation status. */
  verify(input: VerifyCredentialInput): Promise<VerifyResult>;
  /** A credential vcq issued, by uuid or `urn:uuid:` public id. */
  get(id: string): Promise<CredentialView | null>;
  /** Revokes a credential (sets its status-list bit); idempotent. */
  revoke(id: string): Promise<CredentialView>;
  /**
   * The signed BitstringStatusListCredential (a VC-JWT, or a Data Integrity credential for lists of those) published at
   * `<PUBLIC_BASE_URL>/status-lists/<listId>`, signed anew only when it changed.
   */
  statusListCredential(listId: string): Promise<StatusListPublication | null>;
}

export interface CredentialsService {
  dids: DidOperations;
  credentials: CredentialOperations;
}

export interface CredentialsServiceDeps {
  db: Db;
  /** 32 bytes (AES-256-GCM) that encrypt private keys at rest. */
  keyEncryptionKey: Buffer;
  /** Where this deployment is reachable; our did:web DIDs and status-list URLs derive from it. */
  publicBaseUrl: string;
  /**
   * `host` or `host:port` entries whose did:web documents and status lists may be
   * fetched over plain HTTP (that is all it decides: the address check still applies).
   */
  didWebAllowHttpHosts: string[];
  fetchTimeoutMs: number;
  /**
   * The process's egress client: did:web documents and status lists named by callers
   * are fetched through it, so they cannot make vcq fetch private addresses.
   */
  egress: EgressClient;
  /** Defaults to the built-in signer. */
  issuerBackend?: IssuerBackend;
  /** CREDENTIAL_FORMAT: the encoding of an issuance that names none; `jwt_vc_json` unless given. */
  defaultFormat?: CredentialFormat;
  now?: () => Date;
  /** The cache of other hosts' status lists; defaults in status-list-cache.ts. */
  statusListCache?: StatusListCacheSettings;
  /** Told each status list of another host that is fetched and decoded. */
  statusListObserver?: StatusListObserver;
  /** STATUS_LIST_TTL: the `ttl` (and HTTP max-age) of vcq's own published lists; 5 minutes unless given. */
  statusListTtlMs?: number;
  /** STATUS_LIST_VALIDITY: how long one of vcq's signed lists holds (`exp`); a day unless given. */
  statusListValidityMs?: number;
}
