import { ValidationError } from '@vcq/errors';

/** A manifest location vcq knows how to fetch. */
export type ManifestLocation = { kind: 'http'; url: URL } | { kind: 'ipfs'; cid: string; path: string };

/** The request field name API clients use; errors name it so the client knows what to fix. */
const FIELD = 'manifestURI';
const MAX_URI_LENGTH = 2048;

// CIDv0 (base58btc "Qm…") or a multibase CIDv1 in base32 ("b…"), base36 ("k…") or base58btc ("z…").
const CID = /^(Qm[1-9A-HJ-NP-Za-km-z]{44}|b[a-z2-7]{50,}|k[0-9a-z]{40,}|z[1-9A-HJ-NP-Za-km-z]{40,})$/;
const IPFS_URI = /^ipfs:\/\/([^/?#]+)(\/[^?#]*)?$/i;

/** Parses a manifest URI: http(s) URLs and `ipfs://<CID>[/path]`; anything else is a ValidationError. */
export function parseManifestUri(uri: unknown): ManifestLocation {
  if (typeof uri !== 'string' || uri.trim() === '') throw invalid('manifestURI is required');
  if (uri.length > MAX_URI_LENGTH) throw invalid(`manifestURI must be at most ${MAX_URI_LENGTH} characters`);

  if (/^ipfs:/i.test(uri)) {
    const match = IPFS_URI.exec(uri);
    const cid = match?.[1];
    if (!match || !cid || !CID.test(cid)) throw invalid('manifestURI must look like ipfs://<CID>[/path] with a valid CID');
    return { kind: 'ipfs', cid, path: normaliseIpfsPath(match[2] ?? '') };
  }

  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw invalid('manifestURI must be an http(s) URL or an ipfs:// URI');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw invalid(`manifestURI scheme "${url.protocol.replace(/:$/, '')}" is not supported; use http(s) or ipfs`);
  }
  if (url.hostname === '') throw invalid('manifestURI must name a host');
  // Credentials in a manifest URL would end up in job rows, logs and proofs.
  if (url.username !== '' || url.password !== '') throw invalid('manifestURI must not carry credentials');
  return { kind: 'http', url };
}

// Enough rounds for any honest path (one, sometimes two); a path still changing after
// this many is an attempt to outlast the check.
const MAX_DECODE_ROUNDS = 4;

/**
 * The path under ipfs://<cid>, decoded the way a gateway (or a proxy before it) might
 * decode it: percent-escapes and backslashes, repeatedly until nothing changes. Only
 * then are dot segments looked for, so `%2e%2e`, `..%2f` or `\..\` cannot smuggle a
 * `..` past the check and out of /ipfs/<cid>. Returns the segments joined by "/".
 */
function normaliseIpfsPath(raw: string): string {
  let path = raw;
  for (let round = 0; ; round++) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(path).replaceAll('\\', '/');
    } catch {
      throw invalid('manifestURI has a malformed percent-escape in its path');
    }
    if (decoded === path) break;
    if (round === MAX_DECODE_ROUNDS) throw invalid('manifestURI path is encoded too many times over');
    path = decoded;
  }
  // Control characters have no place in a file name and may end a gateway's path early.
  if ([...path].some((char) => char.charCodeAt(0) < 0x20 || char.charCodeAt(0) === 0x7f)) {
    throw invalid('manifestURI path must not contain control characters');
  }
  const segments = path.split('/').filter((segment) => segment !== '');
  if (segments.some((segment) => segment === '..' || segment === '.')) {
    throw invalid('manifestURI must not contain "." or ".." path segments (in any encoding)');
  }
  return segments.join('/');
}

/**
 * The URL to fetch a manifest from: http(s) as is, ipfs://CID/path through the gateway.
 * The gateway URL is checked once built: it must stay at the gateway, under /ipfs/<cid>.
 */
export function resolveManifestUrl(uri: string, ipfsGatewayUrl: string): string {
  const location = parseManifestUri(uri);
  if (location.kind === 'http') return location.url.href;
  const gateway = new URL(ipfsGatewayUrl);
  const root = `${gatewayRoot(gateway)}/ipfs/${location.cid}`;
  // Each segment re-encoded: what was decoded for the check is sent as one path segment each.
  const path = location.path ? `/${location.path.split('/').map(encodeURIComponent).join('/')}` : '';
  const built = new URL(`${gateway.origin}${root}${path}`);
  if (built.origin !== gateway.origin || !(built.pathname === root || built.pathname.startsWith(`${root}/`)) || built.search !== '' || built.hash !== '') {
    throw invalid('manifestURI must stay under ipfs://<CID>/');
  }
  return built.href;
}

/**
 * The gateway's root path: IPFS_GATEWAY_URL may be given as the gateway itself
 * (`https://ipfs.io`) or, as often, with its `/ipfs/` path (`https://ipfs.io/ipfs/`);
 * both mean the same gateway, so a trailing `/ipfs` segment is not doubled.
 */
function gatewayRoot(gateway: URL): string {
  return gateway.pathname.replace(/\/+$/, '').replace(/\/ipfs$/i, '');
}

function invalid(message: string): ValidationError {
  return new ValidationError(message, [{ field: FIELD, message }]);
}
