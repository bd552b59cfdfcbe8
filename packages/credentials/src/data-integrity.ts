/**
 * Credentials secured with W3C Data Integrity (VC Data Integrity 1.0) by the EdDSA
 * cryptosuites of "Data Integrity EdDSA Cryptosuites v1.0": `eddsa-rdfc-2022`
 * (RDF Dataset Canonicalization of the JSON-LD) and `eddsa-jcs-2022` (JSON
 * Canonicalization Scheme). The credential stays a JSON-LD document; its `proof` is a
 * `DataIntegrityProof` whose `proofValue` is the Ed25519 signature, multibase
 * base58btc. Signing and proof checking are the Digital Bazaar libraries'; vcq adds
 * the bundled contexts, its DID resolution and its own data-model checks.
 *
 * vcq issues VCDM 2.0 credentials this way and verifies VCDM 2.0 and 1.1 ones (a 1.1
 * credential carries the data integrity context after the credentials v1 context).
 */
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import { createSignCryptosuite, createVerifyCryptosuite } from '@digitalbazaar/eddsa-jcs-2022-cryptosuite';
import { cryptosuite as eddsaRdfc2022 } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import * as vc from '@digitalbazaar/vc';
import jsonld from 'jsonld';
import jsigs from 'jsonld-signatures';
import { isObject } from './did-document.js';
import type { Ed25519Signer } from './ed25519.js';
import { createDocumentLoader, type DocumentLoaderDeps, UnknownContextError } from './jsonld-contexts.js';
import { MalformedJwtError } from './jwt.js';
import { fieldError } from './validation.js';
import { type ParsedCredentialFields, parseCredentialV2 } from './vc-jose.js';
import { asStrings, type ParsedVcJwt, statusEntries, VC_CONTEXT_V1, VC_CONTEXT_V2, VERIFIABLE_CREDENTIAL } from './vc-jwt.js';

/** The Data Integrity credential formats vcq issues, one per cryptosuite. */
export const DATA_INTEGRITY_FORMATS = ['di-eddsa-rdfc-2022', 'di-eddsa-jcs-2022'] as const;
export type DataIntegrityFormat = (typeof DATA_INTEGRITY_FORMATS)[number];
export const CRYPTOSUITES = ['eddsa-rdfc-2022', 'eddsa-jcs-2022'] as const;
export type Cryptosuite = (typeof CRYPTOSUITES)[number];
/** The terms of a DataIntegrityProof, which a VCDM 1.1 credential's own contexts lack (2.0's has them). */
export const DATA_INTEGRITY_CONTEXT_V2 = 'https://w3id.org/security/data-integrity/v2';
/** What a Data Integrity credential is served as (VCDM 2.0 §6.1). */
export const VC_LD_MEDIA_TYPE = 'application/vc';

export function isDataIntegrityFormat(format: unknown): format is DataIntegrityFormat {
  return (DATA_INTEGRITY_FORMATS as readonly unknown[]).includes(format);
}

export function cryptosuiteOf(format: DataIntegrityFormat): Cryptosuite {
  return format.slice('di-'.length) as Cryptosuite;
}

/** A credential vcq could not read: not a Data Integrity credential, or not a well-formed one. */
export class MalformedCredentialError extends MalformedJwtError {
  override name = 'MalformedCredentialError';
}

/**
 * Secures `credential` (a VCDM 2.0 credential without proof) with `cryptosuite`, signed
 * by `keyId` (a Multikey verification method of the issuer): an `assertionMethod`
 * proof created at `created`. A context vcq has no copy of is a 400 naming
 * `@context`; claims JSON-LD cannot express (safe mode) a 400 naming `claims`.
 */
export async function signDataIntegrity(
  credential: Record<string, unknown>,
  options: { cryptosuite: Cryptosuite; keyId: string; signer: Ed25519Signer; created: Date },
): Promise<Record<string, unknown>> {
  const signer = { id: options.keyId, algorithm: 'Ed25519', sign: async ({ data }: { data: Uint8Array }) => options.signer.sign(data) };
  const suite = new DataIntegrityProof({
    signer,
    date: options.created,
    cryptosuite: options.cryptosuite === 'eddsa-jcs-2022' ? createSignCryptosuite() : eddsaRdfc2022,
  });
  try {
    // A copy: the library adds to what it is given.
    return await vc.issue({ credential: structuredClone(credential), suite, documentLoader: createDocumentLoader(), now: options.created });
  } catch (error) {
    const unknown = findCause(error, (e): e is UnknownContextError => e instanceof UnknownContextError);
    if (unknown) throw fieldError('@context', unknown.message, error);
    if (isJsonLdError(error)) throw fieldError('claims', `cannot be expressed as JSON-LD under the credential's contexts: ${(error as Error).message}`, error);
    throw error;
  }
}

/**
 * Throws a 400 naming `field` when `document` cannot be turned into RDF without loss
 * (JSON-LD safe mode: a term or type no context defines, a relative IRI): what
 * `eddsa-rdfc-2022` signing would refuse, found before any job is made. A context vcq
 * has no copy of is a 400 naming `<field>.@context`.
 */
export async function assertLosslessJsonLd(document: Record<string, unknown>, field: string): Promise<void> {
  try {
    await jsonld.toRDF(structuredClone(document), { documentLoader: createDocumentLoader(), safe: true, base: null });
  } catch (error) {
    const unknown = findCause(error, (e): e is UnknownContextError => e instanceof UnknownContextError);
    if (unknown) throw fieldError(`${field}.@context`, unknown.message, error);
    if (!isJsonLdError(error)) throw error;
    const event = (error as { details?: { event?: { code?: string; details?: Record<string, unknown> } } }).details?.event;
    const what = event?.details?.property ?? event?.details?.type ?? event?.details?.['@type'];
    const named = typeof what === 'string' ? ` (${event?.code ?? 'dropped'}: ${what})` : '';
    throw fieldError(
      field,
      `cannot be expressed as JSON-LD under its contexts without loss${named}: every term and type must be defined by a context (add https://www.w3.org/ns/credentials/undefined-terms/v2 for terms of your own)`,
      error,
    );
  }
}

/** A Data Integrity credential as the verifier reads it: the fields of any credential, its proofs. */
export interface ParsedDataIntegrity extends ParsedCredentialFields {
  statusEntries: ParsedVcJwt['statusEntries'];
  proofs: Array<{ cryptosuite: Cryptosuite; verificationMethod: string }>;
}

/**
 * Reads a Data Integrity secured credential without checking its proof. Its
 * `@context` is a VCDM 2.0 or 1.1 one; each proof is a `DataIntegrityProof` of a
 * cryptosuite vcq supports. MalformedCredentialError says what is wrong.
 */
export function parseDataIntegrityCredential(document: Record<string, unknown>): ParsedDataIntegrity {
  const context = document['@context'];
  const first = Array.isArray(context) ? context[0] : context;
  let fields: ParsedCredentialFields;
  try {
    if (first === VC_CONTEXT_V2) fields = parseCredentialV2(document);
    else if (first === VC_CONTEXT_V1 && Array.isArray(context)) fields = parseCredentialV1(document);
    else throw new MalformedCredentialError(`@context must be an array whose first item is ${VC_CONTEXT_V2} (or ${VC_CONTEXT_V1})`);
    const raw = document.proof;
    const proofs = (Array.isArray(raw) ? raw : [raw]).map((proof, i) => {
      if (!isObject(proof)) throw new MalformedCredentialError(`proof${Array.isArray(raw) ? `[${i}]` : ''} is not an object`);
      if (proof.type !== 'DataIntegrityProof') throw new MalformedCredentialError('proof.type must be DataIntegrityProof');
      if (!(CRYPTOSUITES as readonly unknown[]).includes(proof.cryptosuite)) {
        throw new MalformedCredentialError(`proof.cryptosuite must be one of ${CRYPTOSUITES.join(', ')}`);
      }
      if (typeof proof.verificationMethod !== 'string') throw new MalformedCredentialError('proof.verificationMethod must be a URL');
      return { cryptosuite: proof.cryptosuite as Cryptosuite, verificationMethod: proof.verificationMethod };
    });
    if (proofs.length === 0) throw new MalformedCredentialError('has no proof');
    return { ...fields, statusEntries: statusEntries(fields.vc.credentialStatus), proofs };
  } catch (error) {
    if (error instanceof MalformedJwtError && !(error instanceof MalformedCredentialError)) throw new MalformedCredentialError(error.message, { cause: error });
    throw error;
  }
}

/** VCDM 1.1: `issuer`, `issuanceDate` (and `expirationDate`), `credentialSubject`. */
function parseCredentialV1(document: Record<string, unknown>): ParsedCredentialFields {
  const types = asStrings(document.type);
  if (!types.includes(VERIFIABLE_CREDENTIAL)) throw new MalformedCredentialError('type does not include VerifiableCredential');
  const issuer = typeof document.issuer === 'string' ? document.issuer : isObject(document.issuer) && typeof document.issuer.id === 'string' ? document.issuer.id : null;
  if (!issuer || !URL.canParse(issuer)) throw new MalformedCredentialError('issuer must be a URL, or an object whose id is one');
  const subjects = Array.isArray(document.credentialSubject) ? document.credentialSubject : [document.credentialSubject];
  const subject = subjects[0];
  if (!isObject(subject) || !subjects.every(isObject)) throw new MalformedCredentialError('credentialSubject must be an object or an array of objects');
  const { id: subjectId, ...claims } = subject;
  const date = (name: string, required: boolean): number | null => {
    const value = document[name];
    if (value === undefined && !required) return null;
    const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN;
    if (Number.isNaN(ms)) throw new MalformedCredentialError(`${name} is not a date-time`);
    return Math.floor(ms / 1000);
  };
  return {
    vc: document,
    issuer,
    subject: typeof subjectId === 'string' ? subjectId : null,
    types,
    claims,
    notBefore: date('issuanceDate', true),
    expires: date('expirationDate', false),
    jti: typeof document.id === 'string' ? document.id : null,
  };
}

/** Why a proof check came out as it did: a failed check, or trouble that is not the credential's fault. */
export type ProofCheck = { verified: true } | { verified: false; error: unknown };

export interface ProofCheckOptions extends DocumentLoaderDeps {
  /** Which errors of `resolveDid` are thrown as they are (a peer that could not be reached) rather than failing the proof. */
  rethrow?: (error: unknown) => boolean;
  /** The field a context vcq has no copy of is reported under; `@context` unless given. */
  contextField?: string;
}

/**
 * Checks the Data Integrity proofs of `document`, a proof set (VC Data Integrity 1.0
 * §2.1.1) or chain (§2.1.2), with the Digital Bazaar single-proof verifier. vcq's
 * policy: every proof must verify, each by a key its controller lists under the
 * proof's `proofPurpose`, and at least one must be an `assertionMethod` proof by a key
 * the credential's issuer controls; the others (by any key) stand as endorsements or
 * witnesses. A proof naming `previousProof` is checked over the document whose `proof`
 * holds just the proofs it names; one naming a proof that is not there fails
 * (PROOF_VERIFICATION_ERROR). Contexts come from the bundled copies; verification
 * methods from `options.resolveDid`. A context vcq has no copy of is a 400 naming the
 * context field.
 */
export async function verifyDataIntegrityProof(document: Record<string, unknown>, options: ProofCheckOptions): Promise<ProofCheck> {
  let resolutionError: unknown;
  const loader = createDocumentLoader({
    resolveDid: (did) =>
      options.resolveDid(did).catch((error: unknown) => {
        if (options.rethrow?.(error)) resolutionError ??= error;
        throw error;
      }),
  });
  const secured = structuredClone(document);
  const proofs = (Array.isArray(secured.proof) ? secured.proof : [secured.proof]) as Array<Record<string, unknown>>;
  const { proof: _all, ...unsecured } = secured;
  const errors: unknown[] = [];
  // Why no proof counted as the issuer's, when none did.
  const notIssuer: unknown[] = [];
  let byIssuer = false;
  for (const proof of proofs) {
    const outcome = await checkOneProof(unsecured, proof, proofs, loader);
    if (!outcome.verified) {
      errors.push(outcome.error);
      continue;
    }
    if (proof.proofPurpose !== 'assertionMethod') continue;
    const issuance = await new vc.CredentialIssuancePurpose().validate(proof, { document: unsecured, suite: outcome.suite, verificationMethod: outcome.verificationMethod, documentLoader: loader });
    if (issuance.valid) byIssuer = true;
    else notIssuer.push(issuance.error);
  }
  const unknown = [...errors, ...notIssuer].map((e) => findCause(e, (c): c is UnknownContextError => c instanceof UnknownContextError)).find(Boolean);
  if (unknown) throw fieldError(options.contextField ?? '@context', unknown.message, unknown);
  if (resolutionError !== undefined) throw resolutionError;
  if (errors.length === 0 && byIssuer) return { verified: true };
  return { verified: false, error: errors[0] ?? notIssuer[0] ?? new Error('no assertionMethod proof by a key the issuer controls') };
}

/** An error of the VC Data Integrity processing model, with its error type. */
export class ProofVerificationError extends Error {
  override name = 'ProofVerificationError';
  readonly type = 'PROOF_VERIFICATION_ERROR';
}

/** The proofs `proof.previousProof` names, or a ProofVerificationError when it is not a string or list of strings, or names one that is not in `all`. */
function previousProofs(proof: Record<string, unknown>, all: Array<Record<string, unknown>>): Array<Record<string, unknown>> {
  const named = proof.previousProof;
  if (named === undefined) return [];
  const ids = typeof named === 'string' ? [named] : named;
  if (!Array.isArray(ids) || !ids.every((id): id is string => typeof id === 'string')) {
    throw new ProofVerificationError('proof.previousProof must be a string or a list of strings');
  }
  return ids.map((id) => {
    const found = all.find((other) => other !== proof && other.id === id);
    if (!found) throw new ProofVerificationError(`proof.previousProof names ${id}, which is not a proof of the document`);
    return found;
  });
}

/**
 * One proof of the set checked cryptographically by the library, over `unsecured`
 * with the proofs it names as its previous ones, and against its own controller: the
 * key must be listed under the proof's `proofPurpose`.
 */
async function checkOneProof(
  unsecured: Record<string, unknown>,
  proof: Record<string, unknown>,
  all: Array<Record<string, unknown>>,
  documentLoader: ReturnType<typeof createDocumentLoader>,
): Promise<{ verified: true; suite: DataIntegrityProof; verificationMethod: Record<string, unknown> } | { verified: false; error: unknown }> {
  try {
    const previous = previousProofs(proof, all);
    // Copies each time: the cryptosuites change what they are given.
    const covered = structuredClone(previous.length > 0 ? { ...unsecured, proof: previous } : unsecured);
    const jcs = proof.cryptosuite === 'eddsa-jcs-2022';
    const suite = new DataIntegrityProof({ cryptosuite: jcs ? createVerifyCryptosuite() : eddsaRdfc2022 });
    // As jsonld-signatures hands a proof to its suite: RDF canonicalization reads it under the document's contexts.
    const given = structuredClone(jcs ? proof : { '@context': unsecured['@context'], ...proof });
    const result = await suite.verifyProof({ proof: given, document: covered, proofSet: all, documentLoader });
    if (!result.verified || !result.verificationMethod) return { verified: false, error: result.error ?? new Error('Invalid signature.') };
    const term = typeof proof.proofPurpose === 'string' ? proof.proofPurpose : '';
    const purpose = await new jsigs.purposes.ControllerProofPurpose({ term }).validate(proof, { verificationMethod: result.verificationMethod, documentLoader });
    if (!purpose.valid) return { verified: false, error: purpose.error };
    return { verified: true, suite, verificationMethod: result.verificationMethod };
  } catch (error) {
    return { verified: false, error };
  }
}

/** The first error in `error`'s cause chain (or its `errors`) that `match` accepts. */
function findCause<T>(error: unknown, match: (e: unknown) => e is T, depth = 0): T | undefined {
  if (depth > 6 || error === null || typeof error !== 'object') return undefined;
  if (match(error)) return error;
  const e = error as { cause?: unknown; errors?: unknown; details?: { cause?: unknown } };
  for (const next of [e.cause, e.details?.cause, ...(Array.isArray(e.errors) ? e.errors : [])]) {
    const found = findCause(next, match, depth + 1);
    if (found) return found;
  }
  return undefined;
}

/** jsonld.js errors (safe mode, syntax) carry names like `jsonld.ValidationError`. */
function isJsonLdError(error: unknown): boolean {
  return error instanceof Error && (error.name.startsWith('jsonld.') || /safe mode/i.test(error.message));
}
