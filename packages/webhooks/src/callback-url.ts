/**
 * Callback URL checks, run twice: when a job is submitted (a refusal is the client's
 * 400) and again just before each delivery, because what a name resolves to can change
 * after it was accepted (then the refusal fails the delivery for good).
 */
import type { LookupAddress } from 'node:dns';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { PermanentJobError, UpstreamError, ValidationError } from '@vcq/errors';
import { classifyAddress } from './address-ranges.js';

/** `submit`: refusals are ValidationErrors (400). `delivery`: they are PermanentJobErrors. */
export type CallbackUrlPhase = 'submit' | 'delivery';

/** Resolves a host name to every address it has, as `dns.promises.lookup(host, { all: true })` does. */
export type HostResolver = (hostname: string) => Promise<LookupAddress[]>;

export interface CheckCallbackUrlOptions {
  /** What the URL is called in messages and `errors[].field` (other outbound URLs reuse this check). */
  field?: string;
  /** Let private, loopback and link-local addresses through (WEBHOOK_ALLOW_PRIVATE; tests). */
  allowPrivate: boolean;
  /** Which error a refusal becomes; `submit` unless given. */
  phase?: CallbackUrlPhase;
  /** DNS resolution; the system resolver (getaddrinfo, so /etc/hosts counts) unless given. */
  resolve?: HostResolver;
}

/** A checked callback URL and the addresses it was checked against. */
export interface ResolvedCallbackUrl {
  url: URL;
  /** Connect only to these, so a second DNS answer cannot slip in between check and use. */
  addresses: LookupAddress[];
}

const MAX_URL_LENGTH = 2048;
// Failures where the name itself does not exist, as opposed to a resolver having a bad moment.
const NAME_NOT_FOUND = new Set(['ENOTFOUND', 'ENODATA', 'EAI_NONAME', 'EAI_NODATA']);

/**
 * Checks a callback URL: http(s), no credentials, and every address its host resolves
 * to is public unless `allowPrivate`. Returns the parsed URL; throws a ValidationError
 * (or, with `phase: 'delivery'`, a PermanentJobError) naming `callbackUrl`.
 */
export async function checkCallbackUrl(url: string, options: CheckCallbackUrlOptions): Promise<URL> {
  return (await resolveCallbackUrl(url, options)).url;
}

/** checkCallbackUrl, also returning the checked addresses for the delivery to connect to. */
export async function resolveCallbackUrl(url: string, options: CheckCallbackUrlOptions): Promise<ResolvedCallbackUrl> {
  const phase = options.phase ?? 'submit';
  const field = options.field ?? 'callbackUrl';
  const refuse = (message: string, cause?: unknown) => refusal(phase, field, message, cause);

  if (url.length > MAX_URL_LENGTH) throw refuse(`${field} must be at most ${MAX_URL_LENGTH} characters`);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (error) {
    throw refuse(`${field} must be an absolute http(s) URL`, error);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw refuse(`${field} scheme "${parsed.protocol.replace(/:$/, '')}" is not supported; use http or https`);
  }
  // Credentials would be stored in delivery rows and logs; x-vcq-signature is how
  // a receiver knows a request came from vcq.
  if (parsed.username !== '' || parsed.password !== '') throw refuse(`${field} must not carry credentials`);

  // The URL parser has already normalised IPv4 spellings such as 2130706433 or 0x7f.1.
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  let addresses: LookupAddress[];
  if (isIP(host)) {
    addresses = [{ address: host, family: isIP(host) }];
  } else {
    addresses = await resolveHost(host, options.resolve ?? systemResolve, phase, field);
  }

  if (!options.allowPrivate) {
    // Every address counts: a client may connect to any of them, and a name that
    // mixes one public with one private address is a classic way around a check.
    for (const { address } of addresses) {
      const kind = classifyAddress(address);
      if (kind) {
        const where = address === host ? address : `${host} resolves to ${address}`;
        throw refuse(`${field} must point to public addresses only; ${where} (${kind})`);
      }
    }
  }
  return { url: parsed, addresses };
}

async function resolveHost(host: string, resolve: HostResolver, phase: CallbackUrlPhase, field: string): Promise<LookupAddress[]> {
  let addresses: LookupAddress[];
  try {
    addresses = await resolve(host);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    // At delivery time a name that stopped resolving may come back (a DNS outage, a
    // record being re-created), so it is retried; at submission time it is a typo.
    if (phase === 'submit' && NAME_NOT_FOUND.has(code)) {
      throw refusal(phase, field, `${field} host ${host} does not resolve`, error);
    }
    throw new UpstreamError(`Could not resolve ${field} host ${host}: ${code || (error as Error).message}`, { cause: error });
  }
  if (addresses.length === 0) throw refusal(phase, field, `${field} host ${host} has no addresses`);
  return addresses;
}

function systemResolve(hostname: string): Promise<LookupAddress[]> {
  return lookup(hostname, { all: true, verbatim: true });
}

function refusal(phase: CallbackUrlPhase, field: string, message: string, cause?: unknown): ValidationError | PermanentJobError {
  if (phase === 'delivery') {
    return new PermanentJobError(message, { code: 'callback_url_refused', cause, errors: [{ field, message }] });
  }
  return new ValidationError(message, [{ field, message }], { cause });
}

