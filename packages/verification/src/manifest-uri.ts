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
    const path = (match[2] ?? '').replace(/^\/+/, '');
    // The path is appended to the gateway URL; dot segments would let it escape /ipfs/<cid>.
    if (path.split('/').some((segment) => segment === '..' || segment === '.')) {
      throw invalid('manifestURI must not contain "." or ".." path segments');
    }
    return { kind: 'ipfs', cid, path };
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

/** The URL to fetch a manifest from: http(s) as is, ipfs://CID/path through the gateway. */
export function resolveManifestUrl(uri: string, ipfsGatewayUrl: string): string {
  const location = parseManifestUri(uri);
  if (location.kind === 'http') return location.url.href;
  const gateway = ipfsGatewayUrl.replace(/\/+$/, '');
  return `${gateway}/ipfs/${location.cid}${location.path ? `/${location.path}` : ''}`;
}

function invalid(message: string): ValidationError {
  return new ValidationError(message, [{ field: FIELD, message }]);
}
