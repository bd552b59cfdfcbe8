/**
 * Browsers cannot be made to act. A browser sends Basic credentials it has cached on
 * its own, and lets any page submit a form to any site, so a page elsewhere could
 * pause a queue or revoke a credential in an operator's name. A request that changes
 * something (anything but GET, HEAD, OPTIONS) is therefore refused when
 *
 * - its key comes as Basic: the only credential a browser attaches by itself
 *   (Basic stays good for reading: the dashboard, a GET typed into the address bar);
 * - it comes from a page of another site: `Sec-Fetch-Site` other than `same-origin`
 *   or `none`, or an `Origin` that is neither this server's own origin nor one of
 *   CORS_ORIGINS.
 *
 * Scripts and SDKs send no `Origin` and no `Sec-Fetch-*`, and put their key in
 * x-api-key or Bearer, which no page can add without a CORS preflight: they pass.
 * It runs before authentication and before any body is read, so a refused request
 * costs nothing else.
 */
import type { Request, RequestHandler } from 'express';
import { presentedCredential } from './auth.js';
import { sendProblem } from './problem.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
// `none`: the user typed or bookmarked it. Same-site (a sibling subdomain) is another site here.
const OWN_CONTEXTS = new Set(['same-origin', 'none']);

export interface BrowserGuardOptions {
  /** CORS_ORIGINS: sites allowed to call with a key; `*` allows any (never with Basic). */
  corsOrigins: string[];
  /** PUBLIC_BASE_URL: this deployment's origin as browsers see it (behind a proxy too). */
  publicBaseUrl: string;
}

/** `scheme://host[:port]` in lowercase, or undefined for what is not an absolute URL. */
function originOf(value: string): string | undefined {
  try {
    const origin = new URL(value).origin;
    return origin === 'null' ? undefined : origin.toLowerCase();
  } catch {
    return undefined;
  }
}

/** Refuses state-changing requests that a browser could have been made to send (see above). */
export function browserGuard(options: BrowserGuardOptions): RequestHandler {
  const anyOrigin = options.corsOrigins.includes('*');
  const allowed = new Set(options.corsOrigins.map((o) => originOf(o) ?? o.toLowerCase()));
  const publicOrigin = originOf(options.publicBaseUrl);

  /** This server's own origin: PUBLIC_BASE_URL, or the host the request was sent to. */
  const isOwn = (origin: string, req: Request): boolean => {
    if (origin === publicOrigin) return true;
    const host = req.header('host');
    return host !== undefined && origin === `${req.protocol}://${host}`.toLowerCase();
  };

  return (req, res, next) => {
    if (SAFE_METHODS.has(req.method)) {
      next();
      return;
    }
    if (presentedCredential((name) => req.header(name))?.scheme === 'basic') {
      sendProblem(
        res,
        403,
        'basic_auth_read_only',
        `Basic authentication is accepted for reading only: a browser sends it by itself, so a page of another site could ${req.method} with it. Send the key in x-api-key or Authorization: Bearer to change anything`,
      );
      return;
    }
    const origin = req.header('origin')?.toLowerCase();
    // A site named in CORS_ORIGINS may call with a key (its browser says cross-site).
    if (origin !== undefined && (anyOrigin || allowed.has(origin))) {
      next();
      return;
    }
    const site = req.header('sec-fetch-site')?.toLowerCase();
    const foreign =
      site !== undefined && !OWN_CONTEXTS.has(site)
        ? `Sec-Fetch-Site: ${site.slice(0, 40)}`
        : origin !== undefined && !isOwn(origin, req)
          ? `Origin: ${origin.slice(0, 200)}`
          : undefined;
    if (foreign) {
      sendProblem(
        res,
        403,
        'cross_site_request',
        `this ${req.method} comes from a page of another site (${foreign}) and is refused; a site that may call vcq from the browser, with a key in x-api-key or Bearer, is listed in CORS_ORIGINS`,
      );
      return;
    }
    next();
  };
}
