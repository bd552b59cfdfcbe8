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

/** What a header-only middleware does to every response: the headers it sets, and those it removes. */
interface HeaderSet {
  set: Array<[string, string]>;
  remove: string[];
}

/**
 * Runs `middleware` once against a response that only records, and returns what it
 * did, or undefined when it did anything else (read the request, failed, went
 * asynchronous): then it has to run per request. Helmet's headers depend on nothing
 * of the request once its options are fixed, so they are worked out once and each
 * response only gets them set, instead of passing through a dozen middleware.
 */
function recordHeaders(middleware: RequestHandler): HeaderSet | undefined {
  const recorded: HeaderSet = { set: [], remove: [] };
  let passed = false;
  const res = {
    setHeader(name: string, value: unknown) {
      if (typeof value !== 'string') throw new TypeError(`${name} is not a fixed string`);
      recorded.set.push([name, value]);
      return res;
    },
    removeHeader(name: string) {
      recorded.remove.push(name);
    },
  };
  // A request with nothing on it: a middleware that reads one throws here and is run per request.
  const req = Object.freeze({});
  try {
    middleware(req as never, res as never, (error?: unknown) => {
      passed = error === undefined;
    });
  } catch {
    return undefined;
  }
  return passed ? recorded : undefined;
}

/** `middleware` as a replay of its fixed headers when it has them (see recordHeaders), else itself. */
function fixedHeaders(middleware: RequestHandler): RequestHandler {
  const headers = recordHeaders(middleware);
  if (!headers) return middleware;
  const { set, remove } = headers;
  return (_req, res, next) => {
    for (const [name, value] of set) res.setHeader(name, value);
    for (const name of remove) res.removeHeader(name);
    next();
  };
}

/** Helmet with a strict CSP; HTML pages under the given prefixes may use inline styles and data: images. */
export function securityHeaders(): RequestHandler {
  const strict = fixedHeaders(helmet({ contentSecurityPolicy: { directives: NO_UPGRADE } }));
  const pages = fixedHeaders(
    helmet({
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
    }),
  );
  const PAGE = /^\/(docs|admin\/queues)(\/|$)/;
  return (req, res, next) => (PAGE.test(req.path) ? pages : strict)(req, res, next);
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
