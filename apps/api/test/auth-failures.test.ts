/**
 * The key failed authentications are counted under, and the limiter's arithmetic,
 * without HTTP (door.test.ts drives it through the API from several addresses).
 */
import type { Request } from 'express';
import { describe, expect, it } from 'vitest';
import { clientKey, createAuthFailureLimiter } from '../src/middleware/auth-failures.js';

const from = (ip: string) => ({ ip }) as Request;

describe('failed-authentication keys and counts', () => {
  it('when an address is IPv4, plain or IPv4-mapped, then it counts as itself', () => {
    expect(clientKey('203.0.113.9')).toBe('203.0.113.9');
    expect(clientKey('::ffff:203.0.113.9')).toBe('203.0.113.9');
    expect(clientKey(undefined)).toBe('unknown');
  });

  it('when IPv6 addresses share a /64, then they count as one client, however they are written', () => {
    const key = clientKey('2001:db8:1:2:3:4:5:6');
    expect(key).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:0DB8:0001:0002::9')).toBe(key);
    expect(clientKey('2001:db8:1:2::1%eth0')).toBe(key);
    expect(clientKey('2001:db8:1:3::1')).not.toBe(key);
    expect(clientKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(clientKey('::1')).toBe('0:0:0:0::/64');
  });

  it('when an address fails `points` times, then it waits out the window; another /64 does not', async () => {
    const limiter = createAuthFailureLimiter({ points: 3, windowSeconds: 60 });
    if (!limiter) throw new Error('a limiter with points is made');
    for (let i = 0; i < 3; i++) {
      expect(await limiter.retryAfter(from('2001:db8:1:2::1'))).toBe(0);
      limiter.failed(from(`2001:db8:1:2::${i + 1}`));
    }
    const wait = await limiter.retryAfter(from('2001:db8:1:2::ffff'));
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(60);
    expect(await limiter.retryAfter(from('2001:db8:1:3::1'))).toBe(0);
    expect(createAuthFailureLimiter({ points: 0, windowSeconds: 60 })).toBeNull();
  });
});
