/**
 * GETs from other hosts (did:web documents, status list credentials) through the
 * egress client, which checks every hop's addresses, pins the connection to them,
 * follows redirects by hand, and caps time and bytes. This module adds the scheme
 * rule: HTTPS, or plain HTTP only for hosts on DID_WEB_ALLOW_HTTP_HOSTS (which decides
 * nothing else: an allowlisted host still gets the address check).
 */
import { type EgressClient, EgressTooLargeError, hostListMatches } from '@vcq/egress';
import { GoneError, NotFoundError, PermanentJobError, UpstreamError } from '@vcq/errors';

export interface PeerFetchOptions {
  egress: EgressClient;
  fetchTimeoutMs: number;
  /** `host` (any port) or `host:port` entries allowed over plain HTTP. */
  allowHttpHosts: readonly string[];
}

export interface PeerResponse {
  /** The URL that answered (after redirects); the peer's choice, so not for messages. */
  url: string;
  contentType: string;
  /** The answer's headers, names lower-cased (`cache-control`, `expires`, ...). */
  headers: Record<string, string>;
  body: string;
}

/** True when plain HTTP is allowed for this URL's host. */
export function httpAllowed(url: URL, allowHttpHosts: readonly string[]): boolean {
  return hostListMatches(url, allowHttpHosts);
}

/**
 * Fetches `url` as text. 404 is NotFoundError, 410 GoneError (gone for good); other 4xx, a disallowed
 * scheme, a refused destination or an oversized body are PermanentJobError; network
 * trouble, timeouts and 5xx are UpstreamError (worth a retry).
 */
export async function fetchFromPeer(
  url: URL,
  what: string,
  options: PeerFetchOptions & { accept: string; maxBytes: number },
): Promise<PeerResponse> {
  if (url.protocol === 'http:' && !httpAllowed(url, options.allowHttpHosts)) {
    throw new PermanentJobError(`${what} at ${url} is refused: only HTTPS is allowed (${url.host} is not on DID_WEB_ALLOW_HTTP_HOSTS)`, { code: 'insecure_url' });
  }
  let response: Awaited<ReturnType<EgressClient['request']>>;
  try {
    response = await options.egress.request(url, {
      headers: { accept: options.accept },
      timeoutMs: options.fetchTimeoutMs,
      maxBytes: options.maxBytes,
      // Every hop, redirects included, obeys the same scheme rule.
      allowHttp: (hop) => httpAllowed(hop, options.allowHttpHosts),
      what: `${what} at ${url}`,
    });
  } catch (error) {
    if (error instanceof EgressTooLargeError) {
      throw new PermanentJobError(`${what} at ${url} is larger than ${options.maxBytes} bytes`, { code: 'peer_response_too_large', cause: error });
    }
    throw error;
  }
  if (response.status < 200 || response.status >= 300) {
    const message = `${url.host} answered ${response.status} for ${what} at ${url}`;
    if (response.status === 404) throw new NotFoundError(message);
    if (response.status === 410) throw new GoneError(message, { code: 'peer_gone' });
    if (response.status >= 500 || response.status === 429 || response.status === 408) {
      throw new UpstreamError(message, { extensions: { upstreamStatus: response.status } });
    }
    throw new PermanentJobError(message, { code: 'peer_rejected', extensions: { upstreamStatus: response.status } });
  }
  return { url: response.url, contentType: response.headers['content-type'] ?? '', headers: response.headers, body: response.body.toString('utf8') };
}
