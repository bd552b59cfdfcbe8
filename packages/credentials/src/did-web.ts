/**
 * did:web (W3C CCG did:web method): `did:web:<host>` is served at
 * `https://<host>/.well-known/did.json`, `did:web:<host>:<a>:<b>` at
 * `https://<host>/a/b/did.json`. A port is part of the host, its colon
 * percent-encoded (`did:web:127.0.0.1%3A8080`).
 */
import { fieldError } from './validation.js';

const PREFIX = 'did:web:';

export interface DidWebParts {
  /** `host` or `host:port`, lowercase, as it appears in a URL. */
  host: string;
  /** Path segments, exactly as in the DID (never `.` or `..`). */
  path: string[];
}

/** Splits a did:web into host and path; ValidationError (field `did`) when it is not one. */
export function parseDidWeb(did: string): DidWebParts {
  if (!did.startsWith(PREFIX)) throw fieldError('did', 'is not a did:web');
  const [encodedHost = '', ...path] = did.slice(PREFIX.length).split(':');
  const host = decodeHost(encodedHost);
  for (const segment of path) {
    if (segment === '' || segment === '.' || segment === '..') throw fieldError('did', 'has an empty, "." or ".." path segment');
  }
  return { host, path };
}

/** The did:web for `host` (`host` or `host:port`) and path segments. */
export function didWebFor(host: string, path: readonly string[]): string {
  return [`${PREFIX}${host.toLowerCase().replace(':', '%3A')}`, ...path].join(':');
}

/** Where a did:web's document lives, over `scheme`. */
export function didWebDocumentUrl(parts: DidWebParts, scheme: 'https' | 'http'): URL {
  const pathname = parts.path.length === 0 ? '/.well-known/did.json' : `/${parts.path.join('/')}/did.json`;
  return new URL(`${scheme}://${parts.host}${pathname}`);
}

function decodeHost(encoded: string): string {
  let host: string;
  try {
    host = decodeURIComponent(encoded);
  } catch (error) {
    throw fieldError('did', 'has a badly percent-encoded host', error);
  }
  let url: URL;
  try {
    url = new URL(`https://${host}`);
  } catch (error) {
    throw fieldError('did', 'does not name a valid host', error);
  }
  // Anything the URL parser would move out of the host (userinfo, a path, a query)
  // means the DID is trying to point somewhere other than a plain host.
  const expected = host.toLowerCase();
  if (url.host !== expected && `${url.hostname}:${url.port || '443'}` !== expected) {
    throw fieldError('did', 'does not name a plain host[:port]');
  }
  return expected;
}
