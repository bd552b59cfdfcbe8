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
import { DidSchema, type IssueCredentialInput, IssueCredentialInputSchema, type VerifyCredentialInput } from './schemas.js';
import type { AnyIssueResult, IssuerBackend, VerifyResult } from './types.js';
import { asStrings, envelope, jwtFromEnvelope, type ParsedVcJwt, parseVcJwt, VC_CONTEXT_V2, VERIFIABLE_CREDENTIAL } from './vc-jwt.js';
import { fieldError, parseInput } from './validation.js';
import { assertVerifyInput } from './verifier.js';

const MAX_RESPONSE_BYTES = 1024 * 1024;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

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
      const body = {
        credential: {
          '@context': [VC_CONTEXT_V2],
          // The job id travels as the credential id, so a retried job asks for the same
          // credential and an idempotent issuer (vcq is one) answers with it again.
          id: `urn:uuid:${input.id}`,
          type: [VERIFIABLE_CREDENTIAL, input.credentialType],
          issuer: input.issuerDid,
          credentialSubject: { id: input.subjectDid, ...input.claims },
          ...(input.expirationDate ? { validUntil: input.expirationDate } : {}),
        },
        options: {},
      };
      const response = await post(endpoint, body, options);
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

const dateTime = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time' });

const IssueRequestSchema = z.object({
  credential: z.looseObject({
    id: z.string().optional(),
    type: z.union([z.string(), z.array(z.string()).min(1)], { message: 'must be a string or an array of strings' }),
    issuer: z.union([DidSchema, z.looseObject({ id: DidSchema })], { message: 'must be a DID or an object with a DID id' }),
    credentialSubject: z.looseObject({ id: DidSchema }),
    validUntil: dateTime.optional(),
    expirationDate: dateTime.optional(),
  }),
  options: z.record(z.string(), z.unknown()).optional(),
});

// Where each field of IssueCredentialInput came from in the VC API request, for error messages.
const ISSUE_FIELD_ORIGIN: Record<string, string> = {
  issuerDid: 'credential.issuer',
  subjectDid: 'credential.credentialSubject.id',
  credentialType: 'credential.type',
  claims: 'credential.credentialSubject',
  expirationDate: 'credential.validUntil',
};

const VerifyRequestSchema = z.object({
  verifiableCredential: z.union([z.string().min(1), z.record(z.string(), z.unknown())], {
    message: 'must be a VC-JWT or an EnvelopedVerifiableCredential',
  }),
  options: z.record(z.string(), z.unknown()).optional(),
});

export const vcApi = {
  /** The issuance input in a VC API `POST /credentials/issue` body; `credential.id` (`urn:uuid:`) becomes the idempotency id. */
  issueRequestToInput(body: unknown): Omit<IssueCredentialInput, 'format'> & { id?: string } {
    const { credential } = parseInput(IssueRequestSchema, body, 'VC API issue request');
    const extraTypes = asStrings(credential.type).filter((t) => t !== VERIFIABLE_CREDENTIAL);
    if (extraTypes.length !== 1) throw fieldError('credential.type', 'must name exactly one type besides VerifiableCredential');
    const { id: subjectDid, ...claims } = credential.credentialSubject;
    const issuerDid = typeof credential.issuer === 'string' ? credential.issuer : credential.issuer.id;
    let id: string | undefined;
    if (credential.id !== undefined) {
      const uuid = credential.id.startsWith('urn:uuid:') ? credential.id.slice('urn:uuid:'.length) : '';
      if (!UUID.test(uuid)) throw fieldError('credential.id', 'must be urn:uuid:<uuid> (or left out)');
      id = uuid.toLowerCase();
    }
    let input: IssueCredentialInput;
    try {
      input = parseInput(IssueCredentialInputSchema, {
        issuerDid,
        subjectDid,
        credentialType: extraTypes[0],
        claims,
        expirationDate: credential.validUntil ?? credential.expirationDate,
      }, 'VC API issue request');
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const errors: FieldError[] = (error.errors ?? []).map((e) => {
        const [head = '', ...rest] = e.field.split('.');
        return { field: [ISSUE_FIELD_ORIGIN[head] ?? head, ...rest].join('.'), message: e.message };
      });
      throw new ValidationError(`Invalid VC API issue request: ${errors.map((e) => `${e.field} ${e.message}`).join('; ')}`, errors, { cause: error });
    }
    assertDidKeys({ 'credential.issuer': input.issuerDid, 'credential.credentialSubject.id': input.subjectDid });
    return id === undefined ? input : { ...input, id };
  },

  /**
   * The VC API answer to an issuance: a VC-JWT as a VC 2.0 EnvelopedVerifiableCredential,
   * a Data Integrity credential as it is.
   */
  issueResponse(result: AnyIssueResult): { verifiableCredential: ReturnType<typeof envelope> | Record<string, unknown> } {
    if ('verifiableCredential' in result) return { verifiableCredential: result.verifiableCredential };
    return { verifiableCredential: envelope(result.vcJwt) };
  },

  /** The verification input in a VC API `POST /credentials/verify` body. */
  verifyRequestToInput(body: unknown): VerifyCredentialInput {
    const { verifiableCredential } = parseInput(VerifyRequestSchema, body, 'VC API verify request');
    // A credential secured with a Data Integrity proof is verified as it is.
    if (typeof verifiableCredential !== 'string' && 'proof' in verifiableCredential) {
      assertVerifyInput({ verifiableCredential });
      return { verifiableCredential };
    }
    const vcJwt = typeof verifiableCredential === 'string' ? verifiableCredential : jwtFromEnvelope(verifiableCredential);
    if (!vcJwt) {
      throw fieldError('verifiableCredential', 'must be a VC-JWT, an EnvelopedVerifiableCredential with a data:application/vc+jwt URL, or a credential with a Data Integrity proof; other securing mechanisms are not supported');
    }
    return { vcJwt };
  },

  /** The VC API answer to a verification: `verified`, the checks made, and a problem per failure. */
  verifyResponse(result: VerifyResult) {
    return {
      verified: result.valid,
      checks: ['proof', 'validityPeriod', 'credentialStatus'],
      warnings: [] as unknown[],
      errors: result.error ? [{ type: `urn:vcq:credential-verification:${result.error}`, title: VERIFY_ERROR_TITLES[result.error], code: result.error }] : [],
      error: result.error,
      issuer: result.issuer,
      subject: result.subject,
      claims: result.claims,
    };
  },
};

const VERIFY_ERROR_TITLES: Record<NonNullable<VerifyResult['error']>, string> = {
  bad_signature: 'The signature does not verify with the issuer DID’s assertion keys',
  expired: 'The credential has expired',
  not_yet_valid: 'The credential is not valid yet',
  revoked: 'The credential has been revoked',
  unknown_issuer: 'The issuer DID cannot be resolved',
  malformed: 'This is not a VC-JWT',
};

