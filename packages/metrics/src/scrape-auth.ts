/**
 * Who may scrape. `/metrics` names queues, routes and volumes, so a deployment
 * reachable by strangers sets METRICS_TOKEN and its Prometheus sends it as
 * `Authorization: Bearer <token>` (`authorization.credentials` in a scrape config).
 */
import { createHash, timingSafeEqual } from 'node:crypto';

/** The WWW-Authenticate challenge of a refused scrape. */
export const SCRAPE_CHALLENGE = 'Bearer realm="vcq metrics"';

/** The problem detail of a refused scrape. */
export const SCRAPE_REFUSED = 'the metrics need a token: send Authorization: Bearer <METRICS_TOKEN>';

/** Whether a scrape with this Authorization header may read the metrics (any, when no token is set). */
export function scrapeAllowed(authorization: string | undefined, token: string | undefined): boolean {
  if (token === undefined) return true;
  const presented = authorization?.match(/^Bearer[ \t]+(\S+)[ \t]*$/i)?.[1];
  if (presented === undefined) return false;
  // Digests have one length whatever was sent, so the comparison takes the same time
  // for a wrong length, a wrong first byte or a wrong last byte.
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(presented), digest(token));
}
