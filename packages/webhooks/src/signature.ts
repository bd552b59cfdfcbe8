/**
 * Webhook signatures: `x-vcq-signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">`.
 * Signing the timestamp with the body lets receivers refuse replays of old requests.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface VerifySignatureOptions {
  /** How far the signed timestamp may be from `now`, either way; 300 s unless given. */
  toleranceSeconds?: number;
  /** The current time in unix seconds; the clock unless given. */
  now?: number;
}

const DEFAULT_TOLERANCE_SECONDS = 300;
const HEX_SHA256 = /^[0-9a-f]{64}$/i;

/** Signs `body` with `secret`, giving the value of the `x-vcq-signature` header. */
export function signWebhook(body: string, secret: string, timestampSeconds: number = unixNow()): string {
  if (!Number.isSafeInteger(timestampSeconds) || timestampSeconds < 0) {
    throw new RangeError(`timestampSeconds must be a non-negative integer, got ${timestampSeconds}`);
  }
  return `t=${timestampSeconds},v1=${hmac(secret, timestampSeconds, body).toString('hex')}`;
}

/**
 * True when `header` carries a fresh timestamp and at least one `v1=` signature of
 * `body` under `secret`. Pass the raw request bytes: re-serialised JSON will not match.
 */
export function verifyWebhookSignature(
  header: string | undefined,
  body: string | Uint8Array,
  secret: string,
  options: VerifySignatureOptions = {},
): boolean {
  if (!header) return false;
  const parsed = parseSignatureHeader(header);
  if (!parsed) return false;

  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  const now = options.now ?? unixNow();
  if (Math.abs(now - parsed.timestamp) > tolerance) return false;

  const expected = hmac(secret, parsed.timestamp, body);
  let matched = false;
  // Several v1 values appear while the sender rotates secrets; compare them all so
  // the time taken does not depend on which one matched.
  for (const candidate of parsed.signatures) {
    matched = timingSafeEqual(Buffer.from(candidate, 'hex'), expected) || matched;
  }
  return matched;
}

function parseSignatureHeader(header: string): { timestamp: number; signatures: string[] } | null {
  let timestamp: number | undefined;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) return null;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't') {
      // Two timestamps would make it ambiguous which one the signature covers.
      if (timestamp !== undefined || !/^\d{1,12}$/.test(value)) return null;
      timestamp = Number(value);
    } else if (key === 'v1') {
      if (HEX_SHA256.test(value)) signatures.push(value);
    }
    // Other schemes (a future v2) are skipped so old receivers keep working.
  }
  if (timestamp === undefined || signatures.length === 0) return null;
  return { timestamp, signatures };
}

function hmac(secret: string, timestamp: number, body: string | Uint8Array): Buffer {
  // An empty key would still produce signatures, silently; a missing secret is a setup bug.
  if (secret === '') throw new RangeError('The webhook signing secret must not be empty');
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest();
}

function unixNow(): number {
  return Math.floor(Date.now() / 1000);
}
