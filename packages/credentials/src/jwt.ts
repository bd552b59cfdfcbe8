/** Compact JWS (RFC 7515) with EdDSA (RFC 8037), enough for VC-JWTs. */
import { exceedsJsonDepth, MAX_JSON_DEPTH } from '@vcq/http';
import type { Ed25519Signer } from './ed25519.js';
import { isObject } from './did-document.js';

export interface DecodedJwt {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  /** `<header>.<payload>` as ASCII: what the signature covers. */
  signingInput: Buffer;
  signature: Buffer;
}

const SEGMENT = /^[A-Za-z0-9_-]+$/;

// The header parameters RFC 7515 itself defines (section 4.1); `crit` may not list them.
const JWS_HEADER_PARAMETERS = new Set(['alg', 'jku', 'jwk', 'kid', 'x5u', 'x5c', 'x5t', 'x5t#S256', 'typ', 'cty', 'crit']);

/** Thrown by `decodeJwt` for anything that is not a compact JWS with JSON object parts. */
export class MalformedJwtError extends Error {
  override name = 'MalformedJwtError';
}

/** Splits and parses a compact JWS without checking its signature. */
export function decodeJwt(jwt: string): DecodedJwt {
  const parts = jwt.split('.');
  if (parts.length !== 3) throw new MalformedJwtError(`has ${parts.length} dot-separated parts, a JWS has 3`);
  const [header, payload, signature] = parts as [string, string, string];
  if (!SEGMENT.test(header) || !SEGMENT.test(payload) || !SEGMENT.test(signature)) {
    throw new MalformedJwtError('has a part that is not base64url');
  }
  const protectedHeader = jsonObject(header, 'header');
  assertNoCriticalExtensions(protectedHeader);
  return {
    header: protectedHeader,
    payload: jsonObject(payload, 'payload'),
    signingInput: Buffer.from(`${header}.${payload}`, 'ascii'),
    signature: Buffer.from(signature, 'base64url'),
  };
}

/** Signs `payload` as a compact JWS with `alg: EdDSA`. */
export function signJwt(header: Record<string, unknown>, payload: Record<string, unknown>, signer: Ed25519Signer): string {
  const signingInput = `${encodePart({ ...header, alg: 'EdDSA' })}.${encodePart(payload)}`;
  return `${signingInput}.${signer.sign(Buffer.from(signingInput, 'ascii')).toString('base64url')}`;
}

function encodePart(value: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

/**
 * RFC 7515 section 4.1.11: a JWS whose `crit` lists an extension the recipient does not
 * understand is invalid. vcq understands none (not even RFC 7797's `b64`, which changes
 * what the signature covers), so any `crit` makes the JWS invalid; the message says
 * which rule it broke first.
 */
function assertNoCriticalExtensions(header: Record<string, unknown>): void {
  if (!Object.hasOwn(header, 'crit')) return;
  const crit = header.crit;
  if (!Array.isArray(crit) || crit.length === 0 || !crit.every((name) => typeof name === 'string' && name !== '')) {
    throw new MalformedJwtError('header crit must be a non-empty array of header parameter names');
  }
  // The messages name no parameter: a fetched status list's header is the peer's text.
  if (crit.some((name) => JWS_HEADER_PARAMETERS.has(name))) throw new MalformedJwtError('header crit lists a parameter RFC 7515 itself defines');
  if (crit.some((name) => !Object.hasOwn(header, name))) throw new MalformedJwtError('header crit names a parameter the header does not carry');
  throw new MalformedJwtError('header crit requires an extension vcq does not understand');
}

function jsonObject(segment: string, part: string): Record<string, unknown> {
  const bytes = Buffer.from(segment, 'base64url');
  // Signed or not, the claims travel on into results and rows: nesting the API would
  // refuse in a request must not arrive inside a token (JSON.stringify overflows on it).
  if (exceedsJsonDepth(bytes, MAX_JSON_DEPTH)) throw new MalformedJwtError(`${part} nests deeper than ${MAX_JSON_DEPTH} levels`);
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new MalformedJwtError(`${part} is not JSON`, { cause: error });
  }
  if (!isObject(value)) throw new MalformedJwtError(`${part} is not a JSON object`);
  return value;
}
