import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signWebhook, verifyWebhookSignature } from '../src/index.js';

const SECRET = 'whsec-test-0123456789abcdef';
const BODY = JSON.stringify({ event: 'vc.issued', jobId: 'job-1', data: { ok: true }, createdAt: '2026-01-01T00:00:00.000Z' });
const T = 1_767_225_600;

describe('signWebhook', () => {
  it('when signing, then the header is t=<seconds>,v1=<hex HMAC-SHA256 of "t.body">', () => {
    const expected = createHmac('sha256', SECRET).update(`${T}.${BODY}`).digest('hex');
    expect(signWebhook(BODY, SECRET, T)).toBe(`t=${T},v1=${expected}`);
  });

  it('when no timestamp is given, then the current unix time is used', () => {
    const before = Math.floor(Date.now() / 1000);
    const t = Number(/^t=(\d+),/.exec(signWebhook(BODY, SECRET))?.[1]);
    expect(t).toBeGreaterThanOrEqual(before);
    expect(t).toBeLessThanOrEqual(before + 1);
  });

  it('when the secret is empty, then it refuses to sign', () => {
    expect(() => signWebhook(BODY, '', T)).toThrow(RangeError);
  });
});

describe('verifyWebhookSignature', () => {
  const header = signWebhook(BODY, SECRET, T);

  it('when the body, secret and timestamp match, then it verifies (string or bytes)', () => {
    expect(verifyWebhookSignature(header, BODY, SECRET, { now: T })).toBe(true);
    expect(verifyWebhookSignature(header, Buffer.from(BODY), SECRET, { now: T + 299 })).toBe(true);
  });

  it('when the body is tampered with, then it fails', () => {
    expect(verifyWebhookSignature(header, BODY.replace('true', 'false'), SECRET, { now: T })).toBe(false);
    expect(verifyWebhookSignature(header, `${BODY} `, SECRET, { now: T })).toBe(false);
  });

  it('when the timestamp is changed, then it fails', () => {
    const moved = header.replace(`t=${T}`, `t=${T + 1}`);
    expect(verifyWebhookSignature(moved, BODY, SECRET, { now: T })).toBe(false);
  });

  it('when the secret is wrong, then it fails', () => {
    expect(verifyWebhookSignature(header, BODY, `${SECRET}x`, { now: T })).toBe(false);
  });

  it('when the timestamp is older (or newer) than the tolerance, then it fails', () => {
    expect(verifyWebhookSignature(header, BODY, SECRET, { now: T + 301 })).toBe(false);
    expect(verifyWebhookSignature(header, BODY, SECRET, { now: T - 301 })).toBe(false);
    expect(verifyWebhookSignature(header, BODY, SECRET, { now: T + 3600, toleranceSeconds: 3600 })).toBe(true);
  });

  it('when several v1 values are present, then one matching is enough (secret rotation)', () => {
    const other = signWebhook(BODY, 'the-old-secret-0000000', T).split(',')[1];
    const rotating = `t=${T},${other},${header.split(',')[1]}`;
    expect(verifyWebhookSignature(rotating, BODY, SECRET, { now: T })).toBe(true);
    expect(verifyWebhookSignature(`t=${T},${other}`, BODY, SECRET, { now: T })).toBe(false);
  });

  it('when the header is missing or malformed, then it fails without throwing', () => {
    const v1 = header.split(',')[1];
    for (const bad of [undefined, '', 'garbage', `t=${T}`, v1, `t=abc,${v1}`, `t=${T},t=${T},${v1}`, `t=${T},v1=zz`, `t=${T},v1=${'0'.repeat(64)}`]) {
      expect(verifyWebhookSignature(bad, BODY, SECRET, { now: T }), String(bad)).toBe(false);
    }
  });

  it('when the header has spaces and unknown schemes, then they are tolerated', () => {
    const [t, v1] = header.split(',');
    expect(verifyWebhookSignature(`${t}, v0=abc, ${v1}`, BODY, SECRET, { now: T })).toBe(true);
  });
});
