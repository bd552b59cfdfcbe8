export { createCredentialsService, DEFAULT_PUBLISHED_TTL_MS, DEFAULT_PUBLISHED_VALIDITY_MS } from './service.js';
export type { StatusListPublication } from './status-list-publisher.js';
export { createVcApiIssuerBackend, type VcApiIssuerOptions, vcApi } from './vc-api.js';
export {
  CREDENTIAL_FORMATS,
  type CredentialFormat,
  JWT_CREDENTIAL_FORMATS,
  type JwtCredentialFormat,
  DidCreateInputSchema,
  type DidCreateInput,
  DidSchema,
  DidUpdateInputSchema,
  type DidUpdateInput,
  Ed25519PrivateJwkSchema,
  type Ed25519PrivateJwk,
  IssueCredentialInputSchema,
  type IssueCredentialInput,
  ServiceSchema,
  type ServiceInput,
  VerifyCredentialInputSchema,
  type VerifyCredentialInput,
} from './schemas.js';
export type {
  CredentialOperations,
  CredentialsService,
  CredentialsServiceDeps,
  CredentialView,
  DidJobOptions,
  DidMethod,
  DidOperations,
  DidOwner,
  DidResolution,
  DidView,
  AnyIssueResult,
  DataIntegrityIssueResult,
  IssueResult,
  IssueOptions,
  IssueResultFor,
  IssuerBackend,
  IssuerContext,
  VerifyError,
  VerifyResult,
} from './types.js';
export type { DidDocument, Service, VerificationMethod } from './did-document.js';
export type { Ed25519PublicJwk } from './ed25519.js';
export { assertDidKeys, DidKeyError, didKeyDocument, didKeyFromPublicKey } from './did-key.js';
export { publicKeyFromSeed, signerFromSeed, verifyEd25519 } from './ed25519.js';
// The pieces of a jwt_vc_json issuance: the bench's peers sign with them exactly as vcq does.
export { decodeJwt, signJwt } from './jwt.js';
export { credentialPayload } from './vc-jwt.js';
export { STATUS_LIST_BITS } from './status-list.js';
export { DEFAULT_STATUS_LIST_TTL_MS, type StatusListCacheSettings, type StatusListObserver } from './status-list-cache.js';
export { findKeyMaterial } from './key-material-scan.js';
export { DATA_INTEGRITY_FORMATS, type DataIntegrityFormat } from './data-integrity.js';
export { assertKnownContexts, KNOWN_CONTEXTS } from './jsonld-contexts.js';
export { assertVerifyInput } from './verifier.js';
