/**
 * The W3C VC API (Verifiable Credentials API) in both directions: an issuer backend
 * that asks a remote issuer (`POST <url>/credentials/issue`, what an Inji Certify
 * style deployment offers), and the request/response mapping vcq's own
 * `POST /credentials/issue` and `/credentials/verify` use, so one vcq can be the
 * remote issuer of another.
 */
import type { EgressClient } from '@vcq/egress';
import { type FieldError, PermanentJobError, UpstreamError, ValidationError } from '@vcq/errors';
import { z } from 'zod';
import { isObject } from './did-document.js';
import { assertDidKeys } from './did-key.js';
import { nameBasedUuid } from '@vcq/http';
import { requestDigest } from './builtin-issuer.js';
import { assertLosslessJsonLd, cryptosuiteOf, DATA_INTEGRITY_CONTEXT_V2, type DataIntegrityFormat, isDataIntegrityFormat, type ParsedDataIntegrity, parseDataIntegrityCredential } from './data-integrity.js';
import { assertKnownContextsWithin } from './jsonld-contexts.js';
import { CredentialFormatSchema, type IssueCredentialInput, IssueCredentialInputSchema, type VerifyCredentialInput } from './schemas.js';
import type { AnyIssueResult, DataIntegrityIssueResult, IssuerBackend, VerifyResult } from './types.js';
import { DATE_TIME_STAMP } from './vc-jose.js';
import { asStrings, envelope, jwtFromEnvelope, type ParsedVcJwt, parseVcJwt, UNDEFINED_TERMS_CONTEXT_V2, VC_CONTEXT_V1, VC_CONTEXT_V2, VERIFIABLE_CREDENTIAL, withStatusContext } from './vc-jwt.js';
import { fieldError, parseInput } from './validation.js';
import { assertVerifyInput } from './verifier.js';

const MAX_RESPONSE_BYTES = 1024 * 1024;

export interface VcApiIssuerOptions {
  /** Base URL of the issuer; `/credentials/issue` is appended. */
  url: string;
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
  fetchTimeoutMs: number;
  /** The process's egress client (VC_API_URL's host is on its allowlist by default). */
  egress: EgressClient;
}

/** An IssuerBackend that has a remote W3C VC API issuer sign the credential. */
export function createVcApiIssuerBackend(options: VcApiIssuerOptions): IssuerBackend {
  const endpoint = new URL('credentials/issue', options.url.endsWith('/') ? options.url : `${options.url}/`);
  return {
    async issue(input) {
      const v1 = input.format === 'jwt_vc_json';
      const di = isDataIntegrityFormat(input.format);
      const body = {
        // A VC API issuer issues the data model version it is asked for: 1.1 for a VC-JWT, else 2.0.
        credential: input.credential ?? {
          // A Data Integrity credential as vcq's own signer makes it: claims no context defines are mapped.
          '@context': di ? [VC_CONTEXT_V2, UNDEFINED_TERMS_CONTEXT_V2] : [v1 ? VC_CONTEXT_V1 : VC_CONTEXT_V2],
          // The job id travels as the credential id, so a retried job asks for the same
          // credential and an idempotent issuer (vcq is one) answers with it again.
          id: `urn:uuid:${input.id}`,
          type: [...new Set([VERIFIABLE_CREDENTIAL, input.credentialType])],
          issuer: input.issuerDid,
          credentialSubject: { id: input.subjectDid, ...input.claims },
          ...(input.expirationDate ? { [v1 ? 'expirationDate' : 'validUntil']: input.expirationDate } : {}),
        },
        // A JWT is what a VC API issuer answers unasked (vcq does, by the version); a Data
        // Integrity credential is asked for by its format (the name vcq's VC API takes).
        options: di ? { format: input.format } : {},
      };
      const response = await post(endpoint, body, options);
      if (isDataIntegrityFormat(input.format)) return dataIntegrityAnswer(response, input, input.format, endpoint);
      const vcJwt = credentialJwt(response);
      if (!vcJwt) throw new UpstreamError(`The VC API issuer at ${endpoint} answered without a VC-JWT verifiableCredential`);
      let parsed: ParsedVcJwt;
      try {
        parsed = parseVcJwt(vcJwt);
      } catch (error) {
        throw new UpstreamError(`The VC API issuer at ${endpoint} returned a malformed VC-JWT: ${(error as Error).message}`, { cause: error });
      }
      if (parsed.issuer !== input.issuerDid) {
        throw new PermanentJobError(`The VC API issuer at ${endpoint} signed as another issuer than ${input.issuerDid}`, {
          code: 'issuer_mismatch',
        });
      }
      const fromJti = parsed.jti?.startsWith('urn:uuid:') ? parsed.jti.slice('urn:uuid:'.length) : parsed.jti;
      return {
        vcJwt,
        credentialId: fromJti ?? input.id,
        issuedAt: new Date((parsed.notBefore ?? Math.floor(Date.now() / 1000)) * 1000).toISOString(),
      };
    },
  };
}

/**
 * A remote issuer's answer to a Data Integrity issuance: the credential with a proof of
 * the asked cryptosuite, by the asked issuer. Its proof is not checked here (as a JWT's
 * signature is not): verification does that.
 */
function dataIntegrityAnswer(response: unknown, input: IssueCredentialInput & { id: string }, format: DataIntegrityFormat, endpoint: URL): DataIntegrityIssueResult {
  const vc = isObject(response) ? response.verifiableCredential : undefined;
  if (!isObject(vc) || !Object.hasOwn(vc, 'proof')) throw new UpstreamError(`The VC API issuer at ${endpoint} answered without a credential with a Data Integrity proof`);
  let parsed: ParsedDataIntegrity;
  try {
    parsed = parseDataIntegrityCredential(vc);
  } catch (error) {
    throw new UpstreamError(`The VC API issuer at ${endpoint} returned a malformed Data Integrity credential: ${(error as Error).message}`, { cause: error });
  }
  if (parsed.issuer !== input.issuerDid) {
    throw new PermanentJobError(`The VC API issuer at ${endpoint} signed as another issuer than ${input.issuerDid}`, { code: 'issuer_mismatch' });
  }
  if (!parsed.proofs.some((proof) => proof.cryptosuite === cryptosuiteOf(format))) {
    throw new PermanentJobError(`The VC API issuer at ${endpoint} secured the credential with another cryptosuite than ${cryptosuiteOf(format)}`, { code: 'format_mismatch' });
  }
  const fromId = parsed.jti?.startsWith('urn:uuid:') ? parsed.jti.slice('urn:uuid:'.length) : parsed.jti;
  return {
    format,
    verifiableCredential: vc,
    credentialId: fromId ?? input.id,
    issuedAt: new Date((parsed.notBefore ?? Math.floor(Date.now() / 1000)) * 1000).toISOString(),
  };
}

async function post(endpoint: URL, body: unknown, options: VcApiIssuerOptions): Promise<unknown> {
  const response = await options.egress.request(endpoint, {
    method: 'POST',
    timeoutMs: options.fetchTimeoutMs,
    maxBytes: MAX_RESPONSE_BYTES,
    what: `the VC API issuer at ${endpoint}`,
    headers: {
      'content-type': 'application/json',
      accept: 'application/json',
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
    },
    body: JSON.stringify(body),
  });
  if (response.status < 200 || response.status >= 300) {
    // The issuer's problem document is its own text: the status says enough here.
    const message = `The VC API issuer at ${endpoint} answered ${response.status}`;
    const extensions = { upstreamStatus: response.status };
    // 4xx: it read the request and refused it; asking again gets the same answer.
    if (response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429) {
      throw new PermanentJobError(message, { code: 'issuer_rejected', extensions });
    }
    throw new UpstreamError(message, { extensions });
  }
  try {
    return JSON.parse(response.body.toString('utf8'));
  } catch (error) {
    throw new UpstreamError(`The VC API issuer at ${endpoint} answered with something other than JSON`, { cause: error });
  }
}

function credentialJwt(response: unknown): string | null {
  if (!isObject(response)) return null;
  const vc = response.verifiableCredential;
  if (typeof vc === 'string') return vc;
  return jwtFromEnvelope(vc);
}

// Only `options` is read through zod: the credential is checked where it lies (checkCredentialShape).
const RequestObjectSchema = z.object({
  options: z.record(z.string(), z.unknown(), { message: 'must be an object' }).optional(),
});

const IssueOptionsSchema = z.looseObject({ format: CredentialFormatSchema.optional() });

/** The base context of each VC Data Model version, which must open a credential's `@context`. */
const BASE_CONTEXTS = { [VC_CONTEXT_V1]: 1, [VC_CONTEXT_V2]: 2 } as const;
type VcdmVersion = 1 | 2;

// Which dates belong to which version: VCDM 1.1 has issuanceDate/expirationDate, 2.0 validFrom/validUntil.
const DATES: Record<VcdmVersion, { from: string; until: string }> = {
  1: { from: 'issuanceDate', until: 'expirationDate' },
  2: { from: 'validFrom', until: 'validUntil' },
};

// Where each field of IssueCredentialInput came from in the VC API request, for error messages.
const ISSUE_FIELD_ORIGIN: Record<string, string> = {
  issuerDid: 'credential.issuer',
  subjectDid: 'credential.credentialSubject.id',
  credentialType: 'credential.type',
  credential: 'credential',
  format: 'options.format',
};

/**
 * The checks of VC Data Model 1.1 and 2.0 on a credential's own members, made on the
 * object as the caller sent it (nothing is rebuilt, so every member, `__proto__`
 * included, reaches the credential unchanged). Each problem names its field under
 * `prefix`. Returns the data model version the `@context` declares.
 */
function checkCredentialShape(credential: Record<string, unknown>, prefix: string, errors: FieldError[]): VcdmVersion | null {
  const add = (field: string, message: string) => errors.push({ field: `${prefix}.${field}`, message });
  const own = (key: string) => (Object.hasOwn(credential, key) ? credential[key] : undefined);

  let version: VcdmVersion | null = null;
  const context = own('@context');
  if (context === undefined) add('@context', 'is required');
  else if (!Array.isArray(context) || context.length === 0) add('@context', `must be a non-empty array whose first item is ${VC_CONTEXT_V2} or ${VC_CONTEXT_V1}`);
  else {
    context.forEach((item, i) => {
      if (typeof item !== 'string' && !isObject(item)) add(`@context[${i}]`, 'must be a URL or a context object');
    });
    version = typeof context[0] === 'string' ? (BASE_CONTEXTS[context[0] as keyof typeof BASE_CONTEXTS] ?? null) : null;
    if (version === null) add('@context', `must start with ${VC_CONTEXT_V2} (VCDM 2.0) or ${VC_CONTEXT_V1} (VCDM 1.1)`);
  }

  const id = own('id');
  if (id !== undefined && (typeof id !== 'string' || id.length > 2048 || !URL.canParse(id))) add('id', 'must be a URL (e.g. urn:uuid:…) of at most 2048 characters');

  const type = own('type');
  const types = Array.isArray(type) ? type : [type];
  if (type === undefined) add('type', 'is required');
  else if (types.length === 0 || !types.every((t) => typeof t === 'string' && t.length > 0)) add('type', 'must be a string or a non-empty array of strings');
  else if (!types.includes(VERIFIABLE_CREDENTIAL)) add('type', `must include ${VERIFIABLE_CREDENTIAL}`);

  const issuer = own('issuer');
  if (issuer === undefined) add('issuer', 'is required');
  else if (typeof issuer === 'string') {
    if (!URL.canParse(issuer)) add('issuer', 'must be a URL');
  } else if (!isObject(issuer)) add('issuer', 'must be a URL or an object with an id');
  else if (typeof issuer.id !== 'string' || !URL.canParse(issuer.id)) add('issuer.id', 'must be a URL');

  const subject = own('credentialSubject');
  const subjects = Array.isArray(subject) ? subject : [subject];
  if (subject === undefined) add('credentialSubject', 'is required');
  else if (subjects.length === 0) add('credentialSubject', 'must be an object or a non-empty array of objects');
  else {
    subjects.forEach((s, i) => {
      const at = Array.isArray(subject) ? `credentialSubject[${i}]` : 'credentialSubject';
      if (!isObject(s)) add(at, 'must be an object');
      else if (Object.keys(s).length === 0) add(at, 'must make at least one claim');
      else if (s.id !== undefined && Object.hasOwn(s, 'id') && (typeof s.id !== 'string' || !URL.canParse(s.id))) add(`${at}.id`, 'must be a URL');
    });
  }

  if (version !== null) {
    const other = DATES[version === 1 ? 2 : 1];
    const mine = DATES[version];
    for (const field of [other.from, other.until]) {
      if (own(field) !== undefined) add(field, `is not a VCDM ${version === 1 ? '1.1' : '2.0'} property; this credential's dates are ${mine.from} and ${mine.until}`);
    }
    for (const field of [mine.from, mine.until]) {
      const value = own(field);
      if (value !== undefined && (typeof value !== 'string' || !DATE_TIME_STAMP.test(value) || Number.isNaN(Date.parse(value)))) {
        add(field, 'must be a date-time with a time zone (e.g. 2030-01-01T00:00:00Z)');
      }
    }
  }
  return version;
}

// Members of a credential that an EnvelopedVerifiableCredential (which has @context, id and type) never has.
const CREDENTIAL_MEMBERS = ['issuer', 'credentialSubject', 'proof', 'credentialStatus', 'validFrom', 'validUntil', 'issuanceDate', 'expirationDate'];

/** The first subject's id, when it is a DID: what vcq records as the credential's subject. */
function subjectDidOf(credential: Record<string, unknown>): unknown {
  const subject = credential.credentialSubject;
  const first = Array.isArray(subject) ? subject[0] : subject;
  return isObject(first) && Object.hasOwn(first, 'id') ? first.id : undefined;
}

/** A ValidationError from field errors, its message naming each. */
function invalid(what: string, errors: FieldError[]): ValidationError {
  return new ValidationError(`Invalid ${what}: ${errors.map((e) => `${e.field} ${e.message}`).join('; ')}`, errors);
}

/** The uuid a VC API caller's credential id stands for within its organization (the credential row's). */
export function credentialUuid(organizationId: string, credentialId: string): string {
  return nameBasedUuid(`credential\n${organizationId}\n${credentialId}`);
}

/**
 * The id of the job that issues a VC API caller's credential: one per credential id
 * and request (credential and format), so the same request again answers with the same
 * job, while another request under that id gets a job of its own, which the stored
 * credential answers (a 409 if it was made from another request). A job that failed
 * (an issuer not yet created) thus never holds the id against a corrected request.
 * None for a credential without an id.
 */
export function credentialJobId(organizationId: string, input: IssueCredentialInput): string | undefined {
  const callerId = input.credential?.id;
  if (typeof callerId !== 'string') return undefined;
  return nameBasedUuid(`credential-job\n${credentialUuid(organizationId, callerId)}\n${requestDigest(input)}`);
}

export const vcApi = {
  credentialUuid,
  credentialJobId,

  /**
   * The issuance input in a VC API `POST /credentials/issue` body: the credential as
   * sent, with the fields vcq records taken from it. A VCDM 2.0 credential is issued
   * as `vc+jwt` and a 1.1 one as `jwt_vc_json` unless `options.format` names another
   * (`di-eddsa-rdfc-2022` / `di-eddsa-jcs-2022`: the credential with a Data Integrity
   * proof, of either version).
   */
  issueRequestToInput(body: unknown, now = new Date()): IssueCredentialInput {
    if (!isObject(body)) throw fieldError('(body)', 'must be a JSON object with a credential');
    const { options } = parseInput(RequestObjectSchema, body, 'VC API issue request');
    const errors: FieldError[] = [];
    const credential = Object.hasOwn(body, 'credential') ? body.credential : undefined;
    if (!isObject(credential)) throw invalid('VC API issue request', [{ field: 'credential', message: credential === undefined ? 'is required' : 'must be an object' }]);
    const version = checkCredentialShape(credential, 'credential', errors);
    if (Object.hasOwn(credential, 'credentialStatus')) errors.push({ field: 'credential.credentialStatus', message: 'must be left out: vcq assigns each credential its status list entry' });
    if (Object.hasOwn(credential, 'proof')) errors.push({ field: 'credential.proof', message: 'must be left out: vcq secures the credential' });
    const { format: asked } = parseInput(IssueOptionsSchema, options ?? {}, 'VC API issue options', 'options.');
    if (version !== null && asked !== undefined) {
      if (version === 1 && asked === 'vc+jwt') errors.push({ field: 'options.format', message: 'vc+jwt secures VCDM 2.0 credentials; this one is VCDM 1.1' });
      if (version === 2 && asked === 'jwt_vc_json') errors.push({ field: 'options.format', message: 'jwt_vc_json is the VCDM 1.1 encoding; this credential is VCDM 2.0' });
    }
    const until = version === null ? undefined : credential[DATES[version].until];
    if (typeof until === 'string' && Date.parse(until) <= now.getTime()) errors.push({ field: `credential.${DATES[version as VcdmVersion].until}`, message: 'must be in the future' });
    if (errors.length > 0) throw invalid('VC API issue request', errors);
    // A Data Integrity proof is made over the JSON-LD: every context must be one vcq has a copy of.
    if (isDataIntegrityFormat(asked)) assertKnownContextsWithin(credential, 'credential');

    const issuer = credential.issuer;
    const types = asStrings(credential.type);
    const format = asked ?? (version === 2 ? 'vc+jwt' : 'jwt_vc_json');
    let input: IssueCredentialInput;
    try {
      input = parseInput(IssueCredentialInputSchema, {
        issuerDid: typeof issuer === 'string' ? issuer : (issuer as { id: string }).id,
        subjectDid: subjectDidOf(credential),
        credentialType: types.find((t) => t !== VERIFIABLE_CREDENTIAL) ?? VERIFIABLE_CREDENTIAL,
        // The credential carries the claims; vcq's own summary of it needs none.
        claims: {},
        ...(typeof until === 'string' ? { expirationDate: until } : {}),
        format,
        credential,
      }, 'VC API issue request');
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      throw invalid('VC API issue request', (error.errors ?? []).map((e) => {
        const [head = '', ...rest] = e.field.split('.');
        const field = [ISSUE_FIELD_ORIGIN[head] ?? head, ...rest].join('.');
        return { field, message: head === 'subjectDid' ? `${e.message}: vcq records whom each credential is about` : e.message };
      }));
    }
    assertDidKeys({ 'credential.issuer': input.issuerDid, 'credential.credentialSubject.id': input.subjectDid });
    return input;
  },

  /**
   * The checks of an issuance input (issueRequestToInput's) that need JSON-LD
   * processing, made before any job: an `eddsa-rdfc-2022` credential must express
   * every member as RDF (a 400 naming `credential`), as its signing would require;
   * the same request with the same credential id must not first take the id with a
   * job that can only fail. Other formats need nothing more.
   */
  async assertIssuable(input: IssueCredentialInput): Promise<void> {
    const { credential } = input;
    if (input.format !== 'di-eddsa-rdfc-2022' || !credential) return;
    const context = credential['@context'];
    // A 1.1 credential is signed with the contexts of what vcq adds appended (builtin-issuer.ts).
    const v1 = Array.isArray(context) && context[0] === VC_CONTEXT_V1;
    const v1Contexts = v1 ? withStatusContext(context) : [];
    const document = v1 ? { ...credential, '@context': v1Contexts.includes(DATA_INTEGRITY_CONTEXT_V2) ? v1Contexts : [...v1Contexts, DATA_INTEGRITY_CONTEXT_V2] } : credential;
    await assertLosslessJsonLd(document, 'credential');
  },

  /**
   * The VC API answer to an issuance: a VC-JWT as a VC 2.0 EnvelopedVerifiableCredential,
   * a Data Integrity credential as it is.
   */
  issueResponse(result: AnyIssueResult): { verifiableCredential: ReturnType<typeof envelope> | Record<string, unknown> } {
    if ('verifiableCredential' in result) return { verifiableCredential: result.verifiableCredential };
    return { verifiableCredential: envelope(result.vcJwt) };
  },

  /**
   * The verification input in a VC API `POST /credentials/verify` body: a credential
   * JWT, an EnvelopedVerifiableCredential holding one, or a credential with an embedded
   * proof, checked for the data model's shape (400 naming the field) and verified as a
   * Data Integrity credential (a proof of another kind does not verify: PARSING_ERROR).
   */
  verifyRequestToInput(body: unknown): VerifyCredentialInput {
    if (!isObject(body)) throw fieldError('(body)', 'must be a JSON object with a verifiableCredential');
    parseInput(RequestObjectSchema, body, 'VC API verify request');
    const vc = Object.hasOwn(body, 'verifiableCredential') ? body.verifiableCredential : undefined;
    if (typeof vc === 'string' && vc.length > 0) return { vcJwt: vc };
    if (!isObject(vc)) throw fieldError('verifiableCredential', vc === undefined ? 'is required' : 'must be a credential JWT or a verifiable credential object');
    const errors: FieldError[] = [];
    if (asStrings(vc.type).includes('EnvelopedVerifiableCredential')) {
      const context = vc['@context'];
      if (!Array.isArray(context) || context[0] !== VC_CONTEXT_V2) errors.push({ field: 'verifiableCredential.@context', message: `must be an array whose first item is ${VC_CONTEXT_V2}` });
      // What the enveloped credential says is inside it: the same members beside the
      // envelope would be claims no signature covers, answered "verified" all the same.
      for (const member of CREDENTIAL_MEMBERS) {
        if (Object.hasOwn(vc, member)) errors.push({ field: `verifiableCredential.${member}`, message: 'must not stand beside an EnvelopedVerifiableCredential: the enveloped credential carries it' });
      }
      const vcJwt = jwtFromEnvelope(vc);
      if (!vcJwt) errors.push({ field: 'verifiableCredential.id', message: 'must be a data:application/vc+jwt, (or data:application/jwt,) URL holding the credential JWT' });
      if (errors.length > 0 || !vcJwt) throw invalid('VC API verify request', errors);
      return { vcJwt };
    }
    checkCredentialShape(vc, 'verifiableCredential', errors);
    const proof = Object.hasOwn(vc, 'proof') ? vc.proof : undefined;
    const proofs = Array.isArray(proof) ? proof : [proof];
    if (proof === undefined) errors.push({ field: 'verifiableCredential.proof', message: 'is required: a credential object is verified by its Data Integrity proof' });
    else if (proofs.length === 0 || !proofs.every(isObject)) errors.push({ field: 'verifiableCredential.proof', message: 'must be an object (or a non-empty array of them)' });
    if (errors.length > 0) throw invalid('VC API verify request', errors);
    // Secured with an embedded proof: verified as a Data Integrity credential, as it is.
    // Its contexts must be ones vcq has copies of (a 400 naming verifiableCredential.@context[i]).
    assertVerifyInput({ verifiableCredential: vc });
    return { verifiableCredential: vc };
  },

  /**
   * The VC API answer to a verification: `verified`, and for a credential that fails
   * one RFC 9457 problem detail saying why (typed as VCDM 2.0 §7.1 types verification
   * problems, where one fits).
   */
  verifyResponse(result: VerifyResult): { verified: boolean; problemDetails: ProblemDetail[] } {
    return { verified: result.valid, problemDetails: result.error ? [VERIFY_PROBLEMS[result.error]] : [] };
  },
};

export interface ProblemDetail {
  type: string;
  /** The VCDM 2.0 error code, where the type is one of its. */
  code?: number;
  title: string;
  detail: string;
}

const VCDM = 'https://www.w3.org/TR/vc-data-model#';
const VERIFY_PROBLEMS: Record<NonNullable<VerifyResult['error']>, ProblemDetail> = {
  malformed: { type: `${VCDM}PARSING_ERROR`, code: -64, title: 'PARSING_ERROR', detail: 'vcq cannot read this credential: it is neither a credential JWT nor a credential with a Data Integrity proof of a cryptosuite vcq verifies (malformed)' },
  bad_signature: { type: `${VCDM}CRYPTOGRAPHIC_SECURITY_ERROR`, code: -65, title: 'CRYPTOGRAPHIC_SECURITY_ERROR', detail: 'The signature (JWT or Data Integrity proof) does not verify with the issuer DID’s assertion keys (bad_signature)' },
  unknown_issuer: { type: `${VCDM}CRYPTOGRAPHIC_SECURITY_ERROR`, code: -65, title: 'CRYPTOGRAPHIC_SECURITY_ERROR', detail: 'The issuer DID cannot be resolved, or is deactivated (unknown_issuer)' },
  expired: { type: `${VCDM}RANGE_ERROR`, code: -67, title: 'RANGE_ERROR', detail: 'The credential has expired (expired)' },
  not_yet_valid: { type: `${VCDM}RANGE_ERROR`, code: -67, title: 'RANGE_ERROR', detail: 'The credential is not valid yet (not_yet_valid)' },
  revoked: { type: 'urn:vcq:credential-verification:revoked', title: 'REVOKED', detail: 'The credential has been revoked (revoked)' },
};
