/**
 * The VC-JWT encoding of VC Data Model 1.1 as did-jwt-vc writes and reads it: the
 * credential in the `vc` claim, with `iss`, `sub`, `nbf`, `exp` and `jti` standing
 * for issuer, credentialSubject.id, issuanceDate, expirationDate and id.
 */
import { isObject } from './did-document.js';
import { type DecodedJwt, decodeJwt, MalformedJwtError } from './jwt.js';
import { isVcJoseHeader, parseVcJosePayload, VC_JOSE_MEDIA_TYPE, VC_JWT_MEDIA_TYPE } from './vc-jose.js';

export const VC_CONTEXT_V1 = 'https://www.w3.org/2018/credentials/v1';
/** The Bitstring Status List terms for VC Data Model 1.1 credentials. */
export const STATUS_CONTEXT_V1 = 'https://www.w3.org/ns/credentials/status/v1';
export const VC_CONTEXT_V2 = 'https://www.w3.org/ns/credentials/v2';
/** VCDM 2.0 §5.2: maps terms no other context defines (`@vocab`), for JSON-LD processing. */
export const UNDEFINED_TERMS_CONTEXT_V2 = 'https://www.w3.org/ns/credentials/undefined-terms/v2';
export const VERIFIABLE_CREDENTIAL = 'VerifiableCredential';

export interface StatusListEntry {
  id: string;
  type: 'BitstringStatusListEntry';
  statusPurpose: string;
  /** A base-10 string, as the spec requires. */
  statusListIndex: string;
  statusListCredential: string;
}

export interface ParsedVcJwt {
  jwt: DecodedJwt;
  vc: Record<string, unknown>;
  issuer: string;
  subject: string | null;
  types: string[];
  /** `credentialSubject` without `id`. */
  claims: Record<string, unknown>;
  /** Seconds since the epoch, from `nbf` (or the VC's issuanceDate/validFrom). */
  notBefore: number | null;
  /** Seconds since the epoch, from `exp` (or the VC's expirationDate/validUntil). */
  expires: number | null;
  jti: string | null;
  statusEntries: Array<{ type: string[]; purpose: string; index: number; listUrl: string }>;
}

/** What vcq puts in a credential it issues, whichever encoding carries it. */
export interface IssuedCredentialFields {
  id: string;
  issuer: string;
  subject: string;
  type: string;
  claims: Record<string, unknown>;
  issuedAt: Date;
  expiresAt: Date | null;
  status: StatusListEntry;
  /**
   * The credential a VC API caller asked for, issued as it is: vcq adds only its
   * status entry, an id and an issuance date where they are missing.
   */
  requested?: Record<string, unknown>;
}

/** A date as an XML Schema dateTimeStamp in whole seconds (`2026-01-01T00:00:00Z`). */
export function dateTimeStamp(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The credential's `id`: the caller's, else `urn:uuid:<uuid>`. */
export function credentialUrl(args: Pick<IssuedCredentialFields, 'id' | 'requested'>): string {
  return typeof args.requested?.id === 'string' ? args.requested.id : `urn:uuid:${args.id}`;
}

/** The JWT payload of a credential (did-jwt-vc's layout, with credentialSubject.id kept). */
export function credentialPayload(args: IssuedCredentialFields): Record<string, unknown> {
  const issued = seconds(args.issuedAt);
  const { requested } = args;
  const issuanceDate = typeof requested?.issuanceDate === 'string' ? requested.issuanceDate : null;
  return {
    iss: args.issuer,
    sub: args.subject,
    jti: credentialUrl(args),
    // VC-JWT 1.1: nbf stands for issuanceDate.
    nbf: issuanceDate ? seconds(new Date(issuanceDate)) : issued,
    iat: issued,
    ...(args.expiresAt ? { exp: seconds(args.expiresAt) } : {}),
    vc: requested
      ? {
          ...requested,
          '@context': withStatusContext(requested['@context']),
          issuanceDate: issuanceDate ?? dateTimeStamp(args.issuedAt),
          credentialStatus: args.status,
        }
      : {
          '@context': [VC_CONTEXT_V1, STATUS_CONTEXT_V1],
          type: [...new Set([VERIFIABLE_CREDENTIAL, args.type])],
          credentialSubject: { id: args.subject, ...args.claims },
          credentialStatus: args.status,
        },
  };
}

/**
 * A VC API caller's VCDM 1.1 credential as vcq issues it outside a JWT (a Data
 * Integrity proof is added to it): the credential as sent, with its id, issuanceDate
 * and vcq's status entry where missing, and `contexts` (what the securing needs)
 * appended after the status context where the caller did not name them.
 */
export function credentialV1(args: IssuedCredentialFields & { requested: Record<string, unknown> }, contexts: string[] = []): Record<string, unknown> {
  const { requested } = args;
  const context = withStatusContext(requested['@context']);
  // @context first and id next (unless the caller placed them), as in credentialV2.
  const credential: Record<string, unknown> = { '@context': undefined, id: credentialUrl(args), ...requested };
  credential['@context'] = [...context, ...contexts.filter((c) => !context.includes(c))];
  credential.issuanceDate = typeof requested.issuanceDate === 'string' ? requested.issuanceDate : dateTimeStamp(args.issuedAt);
  credential.credentialStatus = args.status;
  return credential;
}

/** A VCDM 1.1 `@context` with the Bitstring Status List terms its status entry needs. */
export function withStatusContext(context: unknown): unknown[] {
  const entries = Array.isArray(context) ? context : [VC_CONTEXT_V1];
  return entries.includes(STATUS_CONTEXT_V1) ? entries : [...entries, STATUS_CONTEXT_V1];
}

/** Seconds since the epoch (JWT NumericDate). */
export function seconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}

/**
 * Parses a credential JWT without checking its signature: a VCDM 2.0 VC-JOSE-COSE
 * one when its header says `typ: vc+jwt` (vc-jose.ts), else a VCDM 1.1 VC-JWT.
 * MalformedJwtError says what is wrong.
 */
export function parseVcJwt(token: string): ParsedVcJwt {
  const jwt = decodeJwt(token.trim());
  if (isVcJoseHeader(jwt.header)) {
    const fields = parseVcJosePayload(jwt);
    return { jwt, ...fields, statusEntries: statusEntries(fields.vc.credentialStatus) };
  }
  const { payload } = jwt;
  const vc = payload.vc;
  if (!isObject(vc)) throw new MalformedJwtError('has no "vc" claim holding a credential');

  const types = asStrings(vc.type);
  if (!types.includes(VERIFIABLE_CREDENTIAL)) throw new MalformedJwtError('vc.type does not include VerifiableCredential');

  const issuer = typeof payload.iss === 'string' ? payload.iss : idOf(vc.issuer);
  if (!issuer) throw new MalformedJwtError('names no issuer (iss)');

  const credentialSubject = vc.credentialSubject;
  if (!isObject(credentialSubject)) throw new MalformedJwtError('vc.credentialSubject is not an object');
  const { id: subjectId, ...claims } = credentialSubject;
  const subject = typeof payload.sub === 'string' ? payload.sub : typeof subjectId === 'string' ? subjectId : null;

  return {
    jwt,
    vc,
    issuer,
    subject,
    types,
    claims,
    notBefore: numericDate(payload, 'nbf') ?? dateClaim(vc.issuanceDate ?? vc.validFrom, 'vc.issuanceDate'),
    expires: numericDate(payload, 'exp') ?? dateClaim(vc.expirationDate ?? vc.validUntil, 'vc.expirationDate'),
    jti: typeof payload.jti === 'string' ? payload.jti : null,
    statusEntries: statusEntries(vc.credentialStatus),
  };
}

/** The `credentialStatus` entries of a credential; MalformedJwtError for a status list entry lacking what it needs. */
export function statusEntries(value: unknown): ParsedVcJwt['statusEntries'] {
  if (value === undefined) return [];
  const entries = Array.isArray(value) ? value : [value];
  return entries.map((entry, i) => {
    if (!isObject(entry)) throw new MalformedJwtError(`credentialStatus[${i}] is not an object`);
    const type = asStrings(entry.type);
    const purpose = typeof entry.statusPurpose === 'string' ? entry.statusPurpose : '';
    const rawIndex = entry.statusListIndex;
    const index = typeof rawIndex === 'string' && /^(0|[1-9][0-9]{0,9})$/.test(rawIndex) ? Number(rawIndex) : Number.NaN;
    const listUrl = typeof entry.statusListCredential === 'string' ? entry.statusListCredential : '';
    const isList = type.includes('BitstringStatusListEntry') || type.includes('StatusList2021Entry');
    if (isList && (!Number.isSafeInteger(index) || !URL.canParse(listUrl) || !purpose)) {
      throw new MalformedJwtError(`credentialStatus[${i}] needs statusPurpose, a base-10 statusListIndex and a statusListCredential URL`);
    }
    return { type, purpose, index, listUrl };
  });
}

function numericDate(payload: Record<string, unknown>, claim: string): number | null {
  const value = payload[claim];
  if (value === undefined) return null;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new MalformedJwtError(`${claim} is not a NumericDate`);
  return value;
}

function dateClaim(value: unknown, name: string): number | null {
  if (value === undefined) return null;
  const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) throw new MalformedJwtError(`${name} is not a date-time`);
  return Math.floor(ms / 1000);
}

function idOf(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (isObject(value) && typeof value.id === 'string') return value.id;
  return null;
}

/** A JSON-LD value that may be one string or an array of them. */
export function asStrings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return [];
}

/**
 * The JWT inside a VC 2.0 EnvelopedVerifiableCredential (`id` is a data: URL), or null
 * if `value` is not one.
 */
export function jwtFromEnvelope(value: unknown): string | null {
  if (!isObject(value) || !asStrings(value.type).includes('EnvelopedVerifiableCredential') || typeof value.id !== 'string') return null;
  const match = /^data:application\/(?:vc\+jwt|jwt|vc-ld\+jwt)(?:;[^,]*)?,(.+)$/s.exec(value.id);
  if (!match?.[1]) return null;
  const data = match[1];
  return data.includes('%') ? decodeURIComponent(data) : data;
}

/**
 * A VC 2.0 EnvelopedVerifiableCredential around a credential JWT, labelled with what
 * it is: `application/vc+jwt` for VC-JOSE-COSE, `application/jwt` for a VCDM 1.1 VC-JWT.
 */
export function envelope(vcJwt: string): { '@context': string[]; id: string; type: 'EnvelopedVerifiableCredential' } {
  const mediaType = isVcJoseHeader(decodeJwt(vcJwt).header) ? VC_JOSE_MEDIA_TYPE : VC_JWT_MEDIA_TYPE;
  return { '@context': [VC_CONTEXT_V2], id: `data:${mediaType},${vcJwt}`, type: 'EnvelopedVerifiableCredential' };
}
