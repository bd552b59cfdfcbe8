/**
 * Host lists in settings (EGRESS_ALLOW_PRIVATE_HOSTS, DID_WEB_ALLOW_HTTP_HOSTS): each
 * entry is `host` (any port) or `host:port`, compared without regard to case. The
 * entries themselves are validated where settings are (packages/config).
 */

/** The port a URL connects to, spelled out even when it is the scheme's default. */
function effectivePort(url: URL): string {
  if (url.port !== '') return url.port;
  return url.protocol === 'https:' ? '443' : url.protocol === 'http:' ? '80' : '';
}

/** True when `url`'s host is named by one of `entries` (`host`, or `host:port` for that port only). */
export function hostListMatches(url: URL, entries: readonly string[]): boolean {
  const hostname = url.hostname.toLowerCase();
  const withPort = `${hostname}:${effectivePort(url)}`;
  return entries.some((entry) => {
    const wanted = entry.trim().toLowerCase();
    return wanted === hostname || wanted === withPort;
  });
}
