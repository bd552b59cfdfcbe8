/**
 * Input schemas of the credentials domain. They are plain zod objects (no
 * object-level refinements) so the job catalog can `.extend()` and `.omit()` them;
 * rules that tie fields together are checked by the functions that take them.
 */
import { z } from 'zod';

// DID Core 1.0 syntax: did:<method-name>:<method-specific-id>, idchar = ALPHA / DIGIT /
// "." / "-" / "_" / pct-encoded, with ":" separating segments (never last).
const DID_SYNTAX = /^did:[a-z0-9]+:(?:(?:[A-Za-z0-9._-]|%[0-9A-Fa-f]{2})*:)*(?:[A-Za-z0-9._-]|%[0-9A-Fa-f]{2})+$/;

export const DidSchema = z
  .string({ message: 'must be a DID string' })
  .max(2048, { message: 'must be at most 2048 characters' })
  .regex(DID_SYNTAX, { message: 'must be a DID (did:<method>:<id>)' });

/** A did:web path segment under PUBLIC_BASE_URL: kept to characters that need no escaping. */
export const DidWebPathSegmentSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-][A-Za-z0-9._-]{0,62}$/, {
    message: 'must be 1-63 letters, digits, ".", "-" or "_" and not start with "."',
  });

const FRAGMENT = /^[A-Za-z0-9._~-]{1,100}$/;

/** A service id: `#fragment` (or the bare fragment, or `<did>#fragment` of the same DID). */
export const ServiceIdSchema = z
  .string()
  .max(2200)
  .refine((id) => FRAGMENT.test(id.slice(id.lastIndexOf('#') + 1)), {
    message: 'must be a fragment such as "#hub" (letters, digits, ".", "_", "~", "-")',
  });

const ServiceEndpointSchema: z.ZodType<unknown> = z.union([
  z.url({ message: 'must be a URI' }),
  z.record(z.string(), z.unknown()),
  z.array(z.union([z.url({ message: 'must be a URI' }), z.record(z.string(), z.unknown())])).min(1),
]);

export const ServiceSchema = z.object({
  id: ServiceIdSchema,
  type: z.union([z.string().min(1).max(200), z.array(z.string().min(1).max(200)).min(1).max(10)], {
    message: 'must be a string or a non-empty array of strings',
  }),
  serviceEndpoint: ServiceEndpointSchema,
});
export type ServiceInput = z.infer<typeof ServiceSchema>;

const base64url32 = (what: string) =>
  z
    .string({ message: `must be the base64url ${what}` })
    .regex(/^[A-Za-z0-9_-]{43}$/, { message: `must be the 32-byte ${what}, base64url without padding` });

/** An Ed25519 private key as an RFC 8037 JWK. */
export const Ed25519PrivateJwkSchema = z.object({
  kty: z.literal('OKP', { message: 'must be "OKP"' }),
  crv: z.literal('Ed25519', { message: 'must be "Ed25519"' }),
  d: base64url32('private key (d)'),
  x: base64url32('public key (x)'),
});
export type Ed25519PrivateJwk = z.infer<typeof Ed25519PrivateJwkSchema>;

export const DidCreateInputSchema = z.object({
  method: z.enum(['key', 'web'], { message: 'must be "key" or "web"' }),
  /** did:web only: path segments under PUBLIC_BASE_URL's host; none means the bare host. */
  path: z.array(DidWebPathSegmentSchema).max(10, { message: 'must have at most 10 segments' }).optional(),
  /** Import: a 32-byte Ed25519 seed as 64 hex characters. */
  seedHex: z
    .string({ message: 'must be a string' })
    .regex(/^[0-9a-fA-F]{64}$/, { message: 'must be 64 hex characters (a 32-byte Ed25519 seed)' })
    .optional(),
  /** Import: an Ed25519 private JWK. */
  privateKeyJwk: Ed25519PrivateJwkSchema.optional(),
  /** did:web only. */
  services: z.array(ServiceSchema).max(20, { message: 'must have at most 20 services' }).optional(),
});
export type DidCreateInput = z.infer<typeof DidCreateInputSchema>;

export const DidUpdateInputSchema = z.object({
  /** Replace the key with a fresh one; the document then lists only the new key. */
  rotateKey: z.boolean({ message: 'must be true or false' }).optional(),
  /** Added, or replacing a service with the same id. */
  addServices: z.array(ServiceSchema).max(20, { message: 'must have at most 20 services' }).optional(),
  /** Ids of services to remove; unknown ids are ignored so a retried update is harmless. */
  removeServices: z.array(ServiceIdSchema).max(20, { message: 'must have at most 20 ids' }).optional(),
  /**
   * Ids (`#z6Mk...` or `<did>#z6Mk...`) of earlier keys to stop listing: what they signed
   * no longer verifies. Unknown ids are ignored; the current key cannot be retired.
   */
  retireKeys: z.array(ServiceIdSchema).max(20, { message: 'must have at most 20 ids' }).optional(),
});
export type DidUpdateInput = z.infer<typeof DidUpdateInputSchema>;

// A credential type is a JSON-LD term (e.g. UniversityDegreeCredential) or a URL.
const TYPE_TERM = /^[A-Za-z][A-Za-z0-9_-]{0,127}$/;
const MAX_CLAIMS_JSON_BYTES = 64 * 1024;
const MAX_CREDENTIAL_JSON_BYTES = 128 * 1024;

/**
 * The encodings vcq issues: `jwt_vc_json`, a VCDM 1.1 VC-JWT (the `vc` claim; the
 * name OpenID4VCI gives it), `vc+jwt`, a VCDM 2.0 credential secured with
 * VC-JOSE-COSE (the payload is the credential), and `di-eddsa-rdfc-2022` /
 * `di-eddsa-jcs-2022`, a VCDM 2.0 JSON-LD credential with a Data Integrity proof of
 * that cryptosuite (data-integrity.ts).
 */
export const JWT_CREDENTIAL_FORMATS = ['jwt_vc_json', 'vc+jwt'] as const;
export type JwtCredentialFormat = (typeof JWT_CREDENTIAL_FORMATS)[number];
export const CREDENTIAL_FORMATS = [...JWT_CREDENTIAL_FORMATS, 'di-eddsa-rdfc-2022', 'di-eddsa-jcs-2022'] as const;
export const CredentialFormatSchema = z.enum(CREDENTIAL_FORMATS, { message: `must be one of ${CREDENTIAL_FORMATS.join(', ')}` });
export type CredentialFormat = z.infer<typeof CredentialFormatSchema>;

export const IssueCredentialInputSchema = z.object({
  issuerDid: DidSchema,
  subjectDid: DidSchema,
  credentialType: z
    .string({ message: 'must be a string' })
    .max(512)
    .refine((t) => TYPE_TERM.test(t) || URL.canParse(t), { message: 'must be a type name (e.g. UniversityDegreeCredential) or a URL' }),
  claims: z
    .record(z.string(), z.unknown(), { message: 'must be an object' })
    .refine((c) => !('id' in c), { message: 'must not contain "id": the subject is subjectDid' })
    .refine((c) => Buffer.byteLength(JSON.stringify(c)) <= MAX_CLAIMS_JSON_BYTES, {
      message: `must be at most ${MAX_CLAIMS_JSON_BYTES} bytes of JSON`,
    }),
  expirationDate: z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time (e.g. 2030-01-01T00:00:00Z)' }).optional(),
  /**
   * The whole credential a W3C VC API caller asked for (checked by vc-api.ts); the
   * fields above then only summarise it. Passed through as sent, not rebuilt by zod,
   * which would drop a `__proto__` member.
   */
  credential: z
    .custom<Record<string, unknown>>((c) => typeof c === 'object' && c !== null && !Array.isArray(c), { message: 'must be an object' })
    .refine((c) => Buffer.byteLength(JSON.stringify(c)) <= MAX_CREDENTIAL_JSON_BYTES, { message: `must be at most ${MAX_CREDENTIAL_JSON_BYTES} bytes of JSON` })
    .optional(),
  /** How the credential is encoded and secured; CREDENTIAL_FORMAT when not given. */
  format: CredentialFormatSchema.optional(),
  organizationId: z.string().min(1).max(200).optional(),
  userId: z.string().min(1).max(200).optional(),
  /** Carried for the webhook sender; the credentials domain does not call it. */
  callbackUrl: z.string().max(2048).optional(),
});
export type IssueCredentialInput = z.infer<typeof IssueCredentialInputSchema>;

const MAX_VERIFY_JSON_BYTES = 256 * 1024;

export const VerifyCredentialInputSchema = z.object({
  /** Any string: one that is not a VC-JWT is a verification outcome (`malformed`), not bad input. Or `verifiableCredential`. */
  vcJwt: z.string({ message: 'must be a string' }).min(1, { message: 'must not be empty' }).max(256 * 1024).optional(),
  /** A JSON-LD credential secured with a Data Integrity `proof` (instead of `vcJwt`). */
  verifiableCredential: z
    .record(z.string(), z.unknown(), { message: 'must be a credential object with a proof' })
    .refine((c) => Buffer.byteLength(JSON.stringify(c)) <= MAX_VERIFY_JSON_BYTES, { message: `must be at most ${MAX_VERIFY_JSON_BYTES} bytes of JSON` })
    .optional(),
  verifierDid: DidSchema.optional(),
  callbackUrl: z.string().max(2048).optional(),
});
export type VerifyCredentialInput = z.infer<typeof VerifyCredentialInputSchema>;
