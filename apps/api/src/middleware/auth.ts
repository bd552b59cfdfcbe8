/**
 * API keys with scopes (`submit`, `read`, `admin`), each of one organization (see
 * tenancy.ts for what that lets it see). Keys are configured in plaintext
 * or as SHA-256 hashes; either way only digests are kept, and a presented key is
 * compared against every digest in constant time, so neither timing nor an early
 * exit tells anything about which key, or how much of one, matched.
 */
import { hash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { ApiKeySpec, Scope } from '@vcq/config';
import type { AuthFailureLimiter } from './auth-failures.js';
import { sendProblem } from './problem.js';
import { bindRequestLog } from './request-context.js';

declare global {
  namespace Express {
    interface Request {
      /** The authenticated key: a short, log-safe id, its scopes and its organization. */
      apiKey?: { id: string; scopes: Scope[]; organizationId: string };
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

/**
 * Authentication for the given keys. With `failures`, an address that keeps failing
 * is refused before its key is even hashed, and every 401 counts against it.
 */
export function apiKeyAuth(keys: ApiKeySpec[], options: { failures?: AuthFailureLimiter | null } = {}): ApiKeyAuth {
  const failures = options.failures ?? null;
  const known = keys.map((k) => ({ digest: Buffer.from(k.sha256, 'hex'), scopes: k.scopes, organizationId: k.organizationId, id: k.sha256.slice(0, 12) }));
  // Two header lines: browsers ignore a Basic challenge that shares its line with Bearer.
  const challenge = ['Bearer', 'Basic realm="vcq"'];

  const authenticate: RequestHandler = (req, res, next) => {
    const wait = failures ? failures.retryAfter(req) : 0;
    // Only an address that failed lately has its count looked up (a promise); the rest go on at once.
    if (typeof wait === 'number') check(wait, req, res, next);
    else wait.then((seconds) => check(seconds, req, res, next)).catch(next);
  };

  const check = (wait: number, req: Request, res: Response, next: NextFunction): void => {
    if (wait > 0) {
      res.setHeader('Retry-After', String(wait));
      sendProblem(res, 429, 'rate_limited', `too many failed authentications from this address; try again in ${wait} s`);
      return;
    }
    const presented = presentedKey((name) => req.header(name));
    if (!presented) {
      failures?.failed(req);
      res.setHeader('WWW-Authenticate', challenge);
      sendProblem(res, 401, 'unauthorized', 'an API key is required (x-api-key header, Authorization: Bearer, or Basic with the key as password)');
      return;
    }
    // The one-shot digest: no Hash object per request.
    const candidate = hash('sha256', presented, 'buffer');
    let match: (typeof known)[number] | undefined;
    for (const key of known) if (timingSafeEqual(key.digest, candidate)) match ??= key;
    if (!match) {
      failures?.failed(req);
      res.setHeader('WWW-Authenticate', challenge);
      sendProblem(res, 401, 'unauthorized', 'the API key is not valid');
      return;
    }
    req.apiKey = { id: match.id, scopes: match.scopes, organizationId: match.organizationId };
    bindRequestLog(req, { apiKeyId: match.id, organizationId: match.organizationId });
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
