/**
 * Failed authentications, limited per client address. An address that has failed
 * AUTH_FAILURE_RATE_LIMIT_POINTS times in the window is refused (429) for the rest
 * of it before anything it presents is looked at, so a flood of keyless or bad-key
 * requests costs a map lookup each and cannot crowd out authenticated clients on
 * other addresses. Only failures count: a client with a valid key never spends it.
 *
 * In memory, per process: failures need no coordination between API instances, and
 * the limiter must not itself put load on Redis under the flood it is there to stop.
 */
import { isIPv4, isIPv6 } from 'node:net';
import type { Request } from 'express';
import { RateLimiterMemory } from 'rate-limiter-flexible';

export interface AuthFailureLimiter {
  /** Seconds until `req`'s address may try again; 0 when it may now (at once, with no failure in the window). */
  retryAfter(req: Request): number | Promise<number>;
  /** Counts one failed authentication against `req`'s address. */
  failed(req: Request): void;
}

/** The limiter for `points` failures per `windowSeconds`; null when `points` is 0 (off). */
export function createAuthFailureLimiter(options: { points: number; windowSeconds: number }): AuthFailureLimiter | null {
  if (options.points <= 0) return null;
  const limiter = new RateLimiterMemory({ points: options.points, duration: options.windowSeconds });
  const windowMs = options.windowSeconds * 1000;
  // A count lives at most one window from its first failure, so with no failure for a
  // whole window there is none: the common request (nobody failing) is not even keyed.
  let lastFailureAt = Number.NEGATIVE_INFINITY;
  return {
    retryAfter(req) {
      if (Date.now() - lastFailureAt > windowMs) return 0;
      return limiter.get(clientKey(req.ip)).then((state) => {
        if (!state || state.consumedPoints < options.points) return 0;
        return Math.max(1, Math.ceil(state.msBeforeNext / 1000));
      });
    },
    failed(req) {
      lastFailureAt = Date.now();
      // penalty() never rejects; the count only has to reach `points` to block.
      void limiter.penalty(clientKey(req.ip));
    },
  };
}

/**
 * The key an address is counted under: IPv4 as it is (also when IPv4-mapped), IPv6
 * by its /64, the block one subscriber is usually given, so that rotating through
 * the addresses of one's own network does not reset the count.
 */
export function clientKey(ip: string | undefined): string {
  if (!ip) return 'unknown';
  const address = ip.replace(/%.*$/, '').toLowerCase();
  if (address.startsWith('::ffff:') && isIPv4(address.slice(7))) return address.slice(7);
  if (!isIPv6(address) || address.includes('.')) return address;
  const [head = '', tail] = address.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}
