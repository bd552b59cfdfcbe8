/**
 * VC Data Model 2.0 credentials secured with JOSE, as "Securing Verifiable
 * Credentials using JOSE and COSE" (W3C Recommendation) defines it: a JWS whose
 * protected header has `typ: vc+jwt` (§3.1.1) and whose payload is the credential
 * itself, unencoded into claims (no `vc` claim; validity from `validFrom` and
 * `validUntil`). Its media type is `application/vc+jwt`; a VCDM 1.1 VC-JWT (vc-jwt.ts)
 * is a plain `application/jwt`.
 */
import { isObject } from './did-document.js';
import { type DecodedJwt, MalformedJwtError } from './jwt.js';
import { asStrings, credentialUrl, dateTimeStamp, type IssuedCredentialFields, VC_CONTEXT_V2, VERIFIABLE_CREDENTIAL } from './vc-jwt.js';

/** The `typ` of a VC-JOSE-COSE credential, and its media type's subtype. */
export const VC_JOSE_TYP = 'vc+jwt';
export const VC_JOSE_MEDIA_TYPE = 'application/vc+jwt';
/** A VCDM 1.1 VC-JWT is an ordinary JWT. */
export const VC_JWT_MEDIA_TYPE = 'application/jwt';

/**
 * Whether a protected header says VC-JOSE-COSE: `typ` is `vc+jwt`, or the full media
 * type (RFC 7515 §4.1.9 lets the `application/` prefix be left out, or not).
 */
export function isVcJoseHeader(header: Record<string, unknown>): boolean {
  const typ = typeof header.typ === 'string' ? header.typ.toLowerCase() : '';
  return typ === VC_JOSE_TYP || typ === VC_JOSE_MEDIA_TYPE;
}

/** A VCDM 2.0 credential, as vcq issues it. */
export function credentialV2(args: IssuedCredentialFields): Record<string, unknown> {
  const { requested } = args;
  if (requested) {
    return {
      '@context': requested['@context'],
      id: credentialUrl(args),
      ...requested,
      validFrom: typeof requested.validFrom === 'string' ? requested.validFrom : dateTimeStamp(args.issuedAt),
      credentialStatus: args.status,
    };
  }
  return {
    '@context': [VC_CONTEXT_V2],
    id: credentialUrl(args),
    type: [...new Set([VERIFIABLE_CREDENTIAL, args.type])],
    issuer: args.issuer,
    validFrom: dateTimeStamp(args.issuedAt),
    ...(args.expiresAt ? { validUntil: dateTimeStamp(args.expiresAt) } : {}),
    credentialSubject: { id: args.subject, ...args.claims },
    credentialStatus: args.status,
  };
}

/** What a parsed credential says, whichever encoding carried it. */
export interface ParsedCredentialFields {
  vc: Record<string, unknown>;
  issuer: string;
  subject: string | null;
  types: string[];
  claims: Record<string, unknown>;
  notBefore: number | null;
  expires: number | null;
  jti: string | null;
}

/**
 * The credential in a VC-JOSE-COSE payload. The data model's own rules are checked
 * here (VCDM 2.0 §4): `@context` an array whose first item is the v2 context, `type`
 * including VerifiableCredential, an issuer (a URL, or an object with one as `id`),
 * `credentialSubject` present, `validFrom`/`validUntil` date-times.
 */
export function parseVcJosePayload(jwt: DecodedJwt): ParsedCredentialFields {
  const vc = jwt.payload;
  // §3.1.1: the claim names vc and vp must not be present in a credential's claims set.
  if ('vc' in vc) throw new MalformedJwtError('is typed vc+jwt but wraps its credential in a "vc" claim; the payload must be the credential itself');
  if ('vp' in vc) throw new MalformedJwtError('is typed vc+jwt but has a "vp" claim, which a credential must not have');
  const fields = parseCredentialV2(vc);
  // §3.1.1: iss, when present, must match the issuer (its id when it is an object);
  // otherwise the JWT names one issuer to JWT readers and another to VC readers.
  if (Object.hasOwn(vc, 'iss') && vc.iss !== fields.issuer) throw new MalformedJwtError(`has iss ${JSON.stringify(vc.iss)}, which does not match its issuer ${fields.issuer}`);
  return fields;
}

/** A VCDM 2.0 credential by the data model's own rules (above), however it is secured. */
export function parseCredentialV2(vc: Record<string, unknown>): ParsedCredentialFields {
  const context = vc['@context'];
  if (!Array.isArray(context) || context[0] !== VC_CONTEXT_V2) throw new MalformedJwtError(`@context must be an array whose first item is ${VC_CONTEXT_V2}`);
  const types = asStrings(vc.type);
  if (!types.includes(VERIFIABLE_CREDENTIAL)) throw new MalformedJwtError('type does not include VerifiableCredential');
  const issuer = typeof vc.issuer === 'string' ? vc.issuer : isObject(vc.issuer) && typeof vc.issuer.id === 'string' ? vc.issuer.id : null;
  if (!issuer || !URL.canParse(issuer)) throw new MalformedJwtError('issuer must be a URL, or an object whose id is one');
  // One subject, or the first of several: vcq's checks name one holder.
  const subjects = Array.isArray(vc.credentialSubject) ? vc.credentialSubject : [vc.credentialSubject];
  const first = subjects[0];
  if (subjects.length === 0 || !subjects.every(isObject) || !isObject(first)) throw new MalformedJwtError('credentialSubject must be an object or an array of objects');
  const { id: subjectId, ...claims } = first;
  return {
    vc,
    issuer,
    subject: typeof subjectId === 'string' ? subjectId : null,
    types,
    claims,
    notBefore: dateTime(vc.validFrom, 'validFrom'),
    expires: dateTime(vc.validUntil, 'validUntil'),
    jti: typeof vc.id === 'string' ? vc.id : null,
  };
}

// VCDM 2.0 §4.9: an XML Schema dateTimeStamp (a time zone is required).
export const DATE_TIME_STAMP = /^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function dateTime(value: unknown, name: string): number | null {
  if (value === undefined) return null;
  const ms = typeof value === 'string' && DATE_TIME_STAMP.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) throw new MalformedJwtError(`${name} is not a date-time with a time zone`);
  return Math.floor(ms / 1000);
}
