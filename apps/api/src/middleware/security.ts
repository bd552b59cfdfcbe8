/**
 * Response hardening (helmet) and CORS. The API answers JSON, so the default
 * Content-Security-Policy is strict; the two HTML pages (/docs, /admin/queues)
 * get only the exceptions they need.
 */
import cors from 'cors';
import type { RequestHandler } from 'express';
import helmet from 'helmet';

/**
 * Helmet's default `upgrade-insecure-requests` is left out: over plain HTTP on any
 * host but localhost a browser would rewrite every asset of /docs and /admin/queues
 * to https:// and the pages would stay blank. TLS is the proxy's business (and HSTS
 * tells browsers when it is there); the CSP must not assume it.
 */
const NO_UPGRADE = { upgradeInsecureRequests: null };

/** Helmet with a strict CSP; HTML pages under the given prefixes may use inline styles and data: images. */
export function securityHeaders(): RequestHandler {
  const strict = helmet({ contentSecurityPolicy: { directives: NO_UPGRADE } });
  const pages = helmet({
    contentSecurityPolicy: {
      directives: {
        ...NO_UPGRADE,
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
      },
    },
  });
  const isPage = (path: string) => /^\/(docs|admin\/queues)(\/|$)/.test(path);
  return (req, res, next) => (isPage(req.path) ? pages : strict)(req, res, next);
}

/** CORS for the configured origins (`*` allows any); exposes the headers clients need. */
export function corsFor(origins: string[]): RequestHandler {
  return cors({
    origin: origins.includes('*') ? '*' : origins,
    allowedHeaders: ['content-type', 'x-api-key', 'authorization', 'idempotency-key', 'prefer', 'x-request-id'],
    exposedHeaders: ['x-request-id', 'location', 'retry-after', 'preference-applied', 'ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset', 'ratelimit-policy'],
    maxAge: 600,
  });
}
