/**
 * Per-key rate limiting. Counters live in Redis, so every API instance shares them;
 * when Redis is down (the API is then in sync fallback anyway) an in-memory limiter
 * takes over, per process, rather than letting everything through or failing.
 */
import type { RequestHandler } from 'express';
import type { RedisConnection } from '@vcq/jobs';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { sendProblem } from './problem.js';

export interface RateLimiter {
  points: number;
  windowSeconds: number;
  limiter: RateLimiterRedis | RateLimiterMemory;
}

/**
 * A Redis-backed limiter of `points` requests per `windowSeconds`, insured in memory;
 * in memory only when there is no Redis at all (QUEUE_BACKEND=postgres).
 */
export function createRateLimiter(options: { redis: RedisConnection | null; prefix: string; points: number; windowSeconds: number }): RateLimiter {
  if (!options.redis) {
    return { points: options.points, windowSeconds: options.windowSeconds, limiter: new RateLimiterMemory({ points: options.points, duration: options.windowSeconds }) };
  }
  const limiter = new RateLimiterRedis({
    storeClient: options.redis,
    // Under the deployment's prefix: on a cluster, its hash tag ({vcq}) keeps each counter's keys in one slot.
    keyPrefix: `${options.prefix}:ratelimit`,
    points: options.points,
    duration: options.windowSeconds,
    // The API's connection fails fast; a not-ready Redis goes straight to the insurance limiter.
    rejectIfRedisNotReady: true,
    insuranceLimiter: new RateLimiterMemory({ points: options.points, duration: options.windowSeconds }),
  });
  return { points: options.points, windowSeconds: options.windowSeconds, limiter };
}

/**
 * Consumes one point per request for its API key (or client address before
 * authentication) and sets the RateLimit headers; 429 with Retry-After when spent.
 */
export function rateLimit(rate: RateLimiter | null): RequestHandler {
  if (!rate) return (_req, _res, next) => next();
  return async (req, res, next) => {
    const key = req.apiKey?.id ?? `ip:${req.ip}`;
    const headers = (r: RateLimiterRes) => {
      const reset = Math.max(0, Math.ceil(r.msBeforeNext / 1000));
      res.setHeader('RateLimit-Policy', `${rate.points};w=${rate.windowSeconds}`);
      res.setHeader('RateLimit-Limit', String(rate.points));
      res.setHeader('RateLimit-Remaining', String(Math.max(0, r.remainingPoints)));
      res.setHeader('RateLimit-Reset', String(reset));
      return reset;
    };
    try {
      headers(await rate.limiter.consume(key));
      next();
    } catch (outcome) {
      if (!(outcome instanceof RateLimiterRes)) {
        // Neither Redis nor the insurance limiter answered: do not turn a limiter fault into an outage.
        req.log.warn({ err: outcome }, 'rate limiter unavailable; request allowed');
        next();
        return;
      }
      const reset = headers(outcome);
      res.setHeader('Retry-After', String(Math.max(1, reset)));
      sendProblem(res, 429, 'rate_limited', `too many requests for this API key; try again in ${Math.max(1, reset)} s`);
    }
  };
}
