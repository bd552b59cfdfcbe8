/**
 * API keys with scopes (`submit`, `read`, `admin`). Keys are configured in plaintext
 * or as SHA-256 hashes; either way only digests are kept, and a presented key is
 * compared against every digest in constant time, so neither timing nor an early
 * exit tells anything about which key, or how much of one, matched.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { ApiKeySpec, Scope } from '@vcq/config';
import { sendProblem } from './problem.js';
import { bindRequestLog } from './request-context.js';

declare global {
  namespace Express {
    interface Request {
      /** The authenticated key: a short, log-safe id and its scopes. */
      apiKey?: { id: string; scopes: Scope[] };
    }
  }
}

/** How a request presents its key; browsers add `basic` on their own once a user has typed it. */
export type KeyScheme = 'api-key' | 'bearer' | 'basic';

/** The key a request presents and how: x-api-key, Bearer, or Basic (password = key, for browsers). */
export function presentedCredential(header: (name: string) => string | undefined): { key: string; scheme: KeyScheme } | undefined {
  const direct = header('x-api-key');
  if (direct) return { key: direct, scheme: 'api-key' };
  const authorization = header('authorization') ?? '';
  const bearer = authorization.match(/^Bearer\s+(.+)$/i)?.[1]?.trim();
  if (bearer) return { key: bearer, scheme: 'bearer' };
  const basic = authorization.match(/^Basic\s+([A-Za-z0-9+/=]+)$/i)?.[1];
  if (basic) {
    const decoded = Buffer.from(basic, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon >= 0 ? { key: decoded.slice(colon + 1), scheme: 'basic' } : undefined;
  }
  return undefined;
}

function presentedKey(header: (name: string) => string | undefined): string | undefined {
  return presentedCredential(header)?.key;
}

export interface ApiKeyAuth {
  /** 401 unless the request carries a configured key; sets `req.apiKey`. */
  authenticate: RequestHandler;
  /** 403 unless the authenticated key has `scope`. */
  require(scope: Scope): RequestHandler;
  /** `read` for GET/HEAD, `submit` for everything else. */
  scopeByMethod: RequestHandler;
}

export function apiKeyAuth(keys: ApiKeySpec[]): ApiKeyAuth {
  const known = keys.map((k) => ({ digest: Buffer.from(k.sha256, 'hex'), scopes: k.scopes, id: k.sha256.slice(0, 12) }));
  // Two header lines: browsers ignore a Basic challenge that shares its line with Bearer.
  const challenge = ['Bearer', 'Basic realm="vcq"'];

  const authenticate: RequestHandler = (req, res, next) => {
    const presented = presentedKey((name) => req.header(name));
    if (!presented) {
      res.setHeader('WWW-Authenticate', challenge);
      sendProblem(res, 401, 'unauthorized', 'an API key is required (x-api-key header, Authorization: Bearer, or Basic with the key as password)');
      return;
    }
    const candidate = createHash('sha256').update(presented).digest();
    let match: (typeof known)[number] | undefined;
    for (const key of known) if (timingSafeEqual(key.digest, candidate)) match ??= key;
    if (!match) {
      res.setHeader('WWW-Authenticate', challenge);
      sendProblem(res, 401, 'unauthorized', 'the API key is not valid');
      return;
    }
    req.apiKey = { id: match.id, scopes: match.scopes };
    bindRequestLog(req, { apiKeyId: match.id });
    next();
  };

  const require = (scope: Scope): RequestHandler => (req, res, next) => {
    if (req.apiKey?.scopes.includes(scope)) {
      next();
      return;
    }
    sendProblem(res, 403, 'forbidden', `this API key lacks the "${scope}" scope`);
  };

  const readScope = require('read');
  const submitScope = require('submit');
  return {
    authenticate,
    require,
    scopeByMethod: (req, res, next) => (req.method === 'GET' || req.method === 'HEAD' ? readScope : submitScope)(req, res, next),
  };
}
