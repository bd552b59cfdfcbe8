/**
 * GETs from other hosts (did:web documents, status list credentials): HTTPS, or
 * plain HTTP only for hosts on DID_WEB_ALLOW_HTTP_HOSTS; a timeout; a size cap read
 * while streaming; redirects followed by hand so each hop obeys the same rule.
 */
import { NotFoundError, PermanentJobError, UpstreamError } from '@vcq/errors';
import { readCappedBody } from '@vcq/http';

export interface PeerFetchOptions {
  fetchTimeoutMs: number;
  /** `host` (any port) or `host:port` entries allowed over plain HTTP. */
  allowHttpHosts: readonly string[];
  /** Called for every hop to a host not on `allowHttpHosts`; throws to refuse it. */
  checkOutboundUrl?: (url: URL) => Promise<unknown>;
}

export interface PeerResponse {
  url: string;
  contentType: string;
  body: string;
  /** The answer's headers, names lower-cased. */
  headers: Record<string, string>;
}

const MAX_REDIRECTS = 3;

/** True when plain HTTP is allowed for this URL's host. */
export function httpAllowed(url: URL, allowHttpHosts: readonly string[]): boolean {
  const host = url.host.toLowerCase();
  const hostname = url.hostname.toLowerCase();
  return allowHttpHosts.some((entry) => {
    const allowed = entry.trim().toLowerCase();
    return allowed === host || allowed === hostname;
  });
}

/**
 * Fetches `url` as text. 404 and 410 are NotFoundError; other 4xx, a disallowed
 * scheme or an oversized body are PermanentJobError; network trouble, timeouts and
 * 5xx are UpstreamError (worth a retry).
 */
export async function fetchFromPeer(
  url: URL,
  what: string,
  options: PeerFetchOptions & { accept: string; maxBytes: number },
): Promise<PeerResponse> {
  let current = url;
  for (let hop = 0; ; hop++) {
    assertSchemeAllowed(current, what, options.allowHttpHosts);
    // Allowlisted hosts are trusted by configuration; every other hop is vetted, redirects included.
    if (options.checkOutboundUrl && !httpAllowed(current, options.allowHttpHosts)) await options.checkOutboundUrl(current);
    const response = await get(current, what, options);
    if (response.status >= 300 && response.status < 400 && response.headers.has('location')) {
      await response.body?.cancel().catch(() => undefined);
      if (hop >= MAX_REDIRECTS) throw new PermanentJobError(`${what} at ${url} redirects more than ${MAX_REDIRECTS} times`, { code: 'too_many_redirects' });
      current = new URL(response.headers.get('location') as string, current);
      continue;
    }
    if (!response.ok) {
      await response.body?.cancel().catch(() => undefined);
      const message = `${current.host} answered ${response.status} for ${what} at ${current}`;
      if (response.status === 404 || response.status === 410) throw new NotFoundError(message);
      if (response.status >= 500 || response.status === 429 || response.status === 408) {
        throw new UpstreamError(message, { extensions: { upstreamStatus: response.status } });
      }
      throw new PermanentJobError(message, { code: 'peer_rejected', extensions: { upstreamStatus: response.status } });
    }
    let bytes: Uint8Array | null;
    try {
      bytes = await readCappedBody(response, options.maxBytes);
    } catch (error) {
      throw new UpstreamError(`Failed reading ${what} at ${current}: ${(error as Error).message}`, { cause: error });
    }
    if (!bytes) throw new PermanentJobError(`${what} at ${current} is larger than ${options.maxBytes} bytes`, { code: 'peer_response_too_large' });
    return {
      url: current.toString(),
      contentType: response.headers.get('content-type') ?? '',
      body: Buffer.from(bytes).toString('utf8'),
      headers: Object.fromEntries(response.headers),
    };
  }
}

function assertSchemeAllowed(url: URL, what: string, allowHttpHosts: readonly string[]): void {
  if (url.protocol === 'https:') return;
  if (url.protocol === 'http:' && httpAllowed(url, allowHttpHosts)) return;
  throw new PermanentJobError(
    `${what} at ${url} is refused: only HTTPS is allowed${url.protocol === 'http:' ? ` (${url.host} is not on DID_WEB_ALLOW_HTTP_HOSTS)` : ''}`,
    { code: 'insecure_url' },
  );
}

async function get(url: URL, what: string, options: PeerFetchOptions & { accept: string }): Promise<Response> {
  const timeout = AbortSignal.timeout(options.fetchTimeoutMs);
  try {
    return await fetch(url, { signal: timeout, redirect: 'manual', headers: { accept: options.accept } });
  } catch (error) {
    if (timeout.aborted) throw new UpstreamError(`Timed out after ${options.fetchTimeoutMs} ms fetching ${what} at ${url}`, { cause: error });
    // undici says "fetch failed" and keeps the useful part (ECONNREFUSED, a TLS error) in the cause.
    const detail = error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
    throw new UpstreamError(`Failed fetching ${what} at ${url}: ${detail}`, { cause: error });
  }
}

