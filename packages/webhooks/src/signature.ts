/**
 * Webhook signatures: `x-vcq-signature: t=<unix seconds>,v1=<hex>,v2=<hex>`.
 *
 * - `v2` is HMAC-SHA256 over `<t>.<deliveryId>.<raw body>`: it covers the delivery id
 *   sent in `x-vcq-delivery`, so a receiver that deduplicates on that id deduplicates
 *   on signed data, and a captured request replayed under a new id does not verify.
 * - `v1` is HMAC-SHA256 over `<t>.<raw body>`, the scheme before v2. It is still sent
 *   while receivers move to v2, and accepted only when the caller opts in
 *   (`acceptV1`); it will be dropped in a later release.
 *
 * Signing the timestamp lets receivers refuse replays of old requests.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface SignWebhookOptions {
  /** The delivery's id, sent as `x-vcq-delivery`; v2 covers it. */
  deliveryId: string;
  /** Unix seconds; the clock unless given. */
  timestampSeconds?: number;
}

interface VerifyTiming {
  /** How far the signed timestamp may be from `now`, either way; 300 s unless given. */
  toleranceSeconds?: number;
  /** The current time in unix seconds; the clock unless given. */
  now?: number;
}

/**
 * What verifyWebhookSignature checks: v2 against `deliveryId` (the request's
 * `x-vcq-delivery`), and v1 too when `acceptV1` is true. One of the two is required,
 * so forgetting the delivery id is a compile error rather than every request refused.
 */
export type VerifySignatureOptions = VerifyTiming &
  ({ deliveryId: string | string[] | undefined; acceptV1?: boolean } | { deliveryId?: string | string[]; acceptV1: true });

const DEFAULT_TOLERANCE_SECONDS = 300;
const HEX_SHA256 = /^[0-9a-f]{64}$/i;

/** Signs `body` for delivery `deliveryId` with `secret`, giving the value of the `x-vcq-signature` header. */
export function signWebhook(body: string, secret: string, options: SignWebhookOptions): string {
  const { deliveryId, timestampSeconds = unixNow() } = options;
  if (!Number.isSafeInteger(timestampSeconds) || timestampSeconds < 0) {
    throw new RangeError(`timestampSeconds must be a non-negative integer, got ${timestampSeconds}`);
  }
  if (!isDeliveryId(deliveryId)) throw new RangeError('deliveryId must be a non-empty string without "."');
  const v1 = hmac(secret, [`${timestampSeconds}.`], body).toString('hex');
  const v2 = hmac(secret, [`${timestampSeconds}.`, `${deliveryId}.`], body).toString('hex');
  return `t=${timestampSeconds},v1=${v1},v2=${v2}`;
}

/**
 * True when `header` carries a fresh timestamp and a `v2=` signature of `deliveryId`
 * and `body` under `secret` (or, with `acceptV1`, a `v1=` signature of `body`). Pass
 * the raw request bytes: re-serialised JSON will not match.
 */
export function verifyWebhookSignature(
  header: string | undefined,
  body: string | Uint8Array,
  secret: string,
  options: VerifySignatureOptions,
): boolean {
  if (!header) return false;
  const parsed = parseSignatureHeader(header);
  if (!parsed) return false;

  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  const now = options.now ?? unixNow();
  if (Math.abs(now - parsed.timestamp) > tolerance) return false;

  const candidates: Array<{ signature: string; expected: Buffer }> = [];
  const { deliveryId } = options;
  // An id repeated in the request (two x-vcq-delivery headers) is not one id.
  if (typeof deliveryId === 'string' && isDeliveryId(deliveryId)) {
    const expected = hmac(secret, [`${parsed.timestamp}.`, `${deliveryId}.`], body);
    for (const signature of parsed.v2) candidates.push({ signature, expected });
  }
  if (options.acceptV1 === true) {
    const expected = hmac(secret, [`${parsed.timestamp}.`], body);
    for (const signature of parsed.v1) candidates.push({ signature, expected });
  }
  let matched = false;
  // Several values of a scheme appear while the sender rotates secrets; compare them
  // all so the time taken does not depend on which one matched.
  for (const { signature, expected } of candidates) {
    matched = timingSafeEqual(Buffer.from(signature, 'hex'), expected) || matched;
  }
  return matched;
}

function parseSignatureHeader(header: string): { timestamp: number; v1: string[]; v2: string[] } | null {
  let timestamp: number | undefined;
  const v1: string[] = [];
  const v2: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) return null;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't') {
      // Two timestamps would make it ambiguous which one the signature covers.
      if (timestamp !== undefined || !/^\d{1,12}$/.test(value)) return null;
      timestamp = Number(value);
    } else if (key === 'v1' || key === 'v2') {
      if (HEX_SHA256.test(value)) (key === 'v1' ? v1 : v2).push(value);
    }
    // Other schemes (a future v3) are skipped so old receivers keep working.
  }
  if (timestamp === undefined || v1.length + v2.length === 0) return null;
  return { timestamp, v1, v2 };
}

// The signed input is `<t>.<id>.<body>`; an id with a "." could move bytes between
// id and body while the signed string stays the same.
function isDeliveryId(value: string): boolean {
  return value !== '' && !value.includes('.');
}

function hmac(secret: string, prefixes: string[], body: string | Uint8Array): Buffer {
  // An empty key would still produce signatures, silently; a missing secret is a setup bug.
  if (secret === '') throw new RangeError('The webhook signing secret must not be empty');
  const mac = createHmac('sha256', secret);
  for (const prefix of prefixes) mac.update(prefix);
  return mac.update(body).digest();
}

function unixNow(): number {
  return Math.floor(Date.now() / 1000);
}
