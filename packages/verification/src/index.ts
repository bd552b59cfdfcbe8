export { fetchManifest, type Manifest, type ManifestFetchDeps, ManifestSchema } from './manifest.js';
export { type ManifestLocation, parseManifestUri, resolveManifestUrl } from './manifest-uri.js';
export {
  contentRegistryAbi,
  findRegistrationTx,
  type OnchainEntry,
  type RegistrationTx,
  type RegistryClient,
  readEntry,
} from './registry.js';
export { parseVerificationFields, type VerificationFields } from './request-fields.js';
export {
  createVerifier,
  type ProofChecks,
  type ProofResult,
  type VerificationChecks,
  type VerificationContext,
  type VerificationInput,
  VerificationInputSchema,
  type VerificationLogger,
  type VerificationStatus,
  type Verifier,
  type VerifierDeps,
  type VerifyResult,
} from './verify.js';
